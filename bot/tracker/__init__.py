"""Follow-ups in the team's tracker: clients for GitHub Issues, Jira Cloud and Linear behind one port
(``client.TrackerClient``), and the handlers of the ``tracker.*`` effects."""
