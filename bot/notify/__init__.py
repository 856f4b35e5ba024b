"""Delivery of pages beyond Slack: email, ntfy and Pushover push, Twilio SMS and calls, webhooks; the
acknowledge link and Twilio's webhooks. An adapter: the domain (bot.paging.notify) records what to
send, these modules send it and report back."""
