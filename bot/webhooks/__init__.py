"""Outbound webhooks: changes to incidents and alerts told to the team's own systems, signed, in order,
through the outbox (``emit`` records them in the change's transaction, ``delivery`` sends them)."""
