"""Optional AI drafts: a catch-up summary for ``/incident summary`` and the postmortem's narrative, written
by an OpenAI-compatible chat-completions endpoint from the incident's record and channel. An adapter,
like bot/notify: the domain (bot.incidents.summaries) records what to draft, these modules build the
prompt, call the endpoint and record what to post. Off unless warroom.yml has an ``ai:`` section."""
