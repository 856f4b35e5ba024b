"""Local fakes of the providers pages go through (ntfy, Pushover, Twilio, SMTP, a webhook receiver),
speaking their real wire APIs (../shared/external-apis.md §3-7), with faults to inject."""
