"""More than 4 calls: several voice gateway processes behind kamailio's SIP dispatcher.

The pjsua2-python wheel is compiled with pjproject's PJSUA_MAX_CALLS = 4 (measured: with
``uaConfig.maxCalls = 8`` a fifth call still gets 486), so capacity comes from processes. With
``tandem.voice.processes`` = N > 1 the stack runs N workers (``python -m voice_gateway --index i
...``), each with its own SIP port and its own slice of the RTP range, and kamailio on the public
``host:port`` (config generated into ``<data_dir>/dispatcher/`` at every start):

    caller --SIP--> kamailio (host:port) --SIP--> worker i (host:worker port i)
    caller <==================== RTP =====================> worker i

- kamailio picks the worker with the fewest calls (at most 4 each), fails over when a worker
  refuses or does not answer, and probes every worker with OPTIONS each second, so a dead worker is
  skipped within seconds and taken back when it answers again.
- kamailio only relays signalling (record-routed, so BYEs keep the load count right); media goes
  straight between the caller and the worker, which binds the same host as the dispatcher.
- Registration (``voice.registration``): worker 1 alone sends REGISTER, with the dispatcher's address
  as Contact, so the PBX's calls for the extension arrive at the dispatcher and reach any worker;
  every worker knows the extension (it takes calls for it and dials out with its credentials) but
  does not register. Registering each worker as a separate contact would make the PBX ring all of
  them at once (parallel forking), and kamailio registering itself needs a database.

With processes = 1 (or when kamailio is not installed) one voice gateway listens on host:port
itself, as before.
"""

from voice_gateway.dispatcher.plan import VoicePlan, WorkerPlan, plan_voice

__all__ = ["VoicePlan", "WorkerPlan", "plan_voice"]
