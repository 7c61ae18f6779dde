"""Write a G.711 mu-law RTP stream as a pcap file, for SIPp's play_pcap_audio.

The audio comes from sox at test time (a WAV made on the spot, encoded to raw mu-law at 8 kHz); the
packets are 20 ms (160 bytes) apart in the pcap's timestamps, which is how SIPp paces them. SIPp
only uses the UDP payload and rewrites addresses and ports, so the Ethernet/IP/UDP headers just
have to be well-formed (UDP checksum 0 means "none" in IPv4).
"""

from __future__ import annotations

import random
import struct
import subprocess
from pathlib import Path

_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # Ethernet link type
_ETHERNET = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
_SAMPLES_PER_PACKET = 160


def mulaw_from_wav(wav: Path) -> bytes:
    """Raw 8 kHz mu-law of a WAV, by sox."""
    result = subprocess.run(
        ["sox", str(wav), "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", "-"],
        check=True,
        capture_output=True,
    )
    return result.stdout


def _ipv4_udp(payload: bytes, src_port: int, dst_port: int) -> bytes:
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(udp),
        0,
        0x4000,
        64,
        17,
        0,
        bytes([127, 0, 0, 1]),
        bytes([127, 0, 0, 1]),
    )
    checksum = sum(struct.unpack("!10H", header))
    checksum = (checksum & 0xFFFF) + (checksum >> 16)
    checksum = ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF
    return header[:10] + struct.pack("!H", checksum) + header[12:] + udp


def write_rtp_pcap(path: Path, mulaw: bytes, payload_type: int = 0) -> Path:
    """One RTP packet per 20 ms of mu-law audio (the last one padded with mu-law silence, 0xFF)."""
    ssrc = random.getrandbits(32)
    sequence, timestamp = random.getrandbits(16), random.getrandbits(32)
    with path.open("wb") as pcap:
        pcap.write(_PCAP_HEADER)
        for index, offset in enumerate(range(0, len(mulaw), _SAMPLES_PER_PACKET)):
            chunk = mulaw[offset : offset + _SAMPLES_PER_PACKET].ljust(_SAMPLES_PER_PACKET, b"\xff")
            marker = 0x80 if index == 0 else 0
            rtp = (
                struct.pack(
                    "!BBHII",
                    0x80,
                    marker | payload_type,
                    (sequence + index) & 0xFFFF,
                    (timestamp + index * _SAMPLES_PER_PACKET) & 0xFFFFFFFF,
                    ssrc,
                )
                + chunk
            )
            frame = _ETHERNET + _ipv4_udp(rtp, 6000, 6002)
            micros = index * 20_000
            pcap.write(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(frame), len(frame)))
            pcap.write(frame)
    return path
