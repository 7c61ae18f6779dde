// Desktop notifications (the Notification API) while the desk's tab is in the background: an agent
// working in another window still learns of an offer or a customer's message. The text says who, never
// what the customer wrote: a notification shows on screen outside the desk.
export function attachNotifications(button, status, onOpen) {
  const supported = "Notification" in window;
  function render() {
    const permission = supported ? Notification.permission : "unsupported";
    button.hidden = permission !== "default";
    status.textContent = permission === "denied" ? "Notifications blocked in the browser" : "";
    status.hidden = permission !== "denied";
  }
  button.addEventListener("click", async () => {
    await Notification.requestPermission();
    render();
  });
  render();

  return function notify(title, body, tag, contactId) {
    if (!supported || Notification.permission !== "granted" || document.visibilityState !== "hidden") return;
    const shown = new Notification(title, { body, tag });
    shown.onclick = () => { window.focus(); onOpen(contactId); shown.close(); };
  };
}
