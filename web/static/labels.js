// Labels the desk and the dashboard show for the gateway's states and escalation reasons.
export const STATE_LABEL = { available: "Available", busy: "Busy", away: "Away", wrap_up: "Wrap-up", offline: "Offline" };
export const REASON_LABEL = {
  fraud: "Fraud or money gone",
  vulnerable: "Vulnerable customer",
  threat_to_leave: "Threatens to leave",
  customer_request: "Asked for a person",
  complaint: "Complaint",
  negative_sentiment: "Negative sentiment",
  sentiment_falling: "Sentiment falling",
  repeated_failure: "Bot did not understand",
  flow_failed: "Bot flow failed",
  bot_down: "Bot unavailable",
  callback: "Callback request",
};
