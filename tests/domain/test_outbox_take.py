"""A slash command recorded in a crowd is handled by the replica that recorded it, which marks its outbox
row done in the transaction of its work (``OutboxStore.take``), unless a sender's effect runner holds it:
the two never both do it. On both engines."""

from bot.slack.commands import KIND


def recorded(rig, lane: str = "command:C1") -> int:
    with rig.work():
        return int(rig.domain.effects.do(KIND, {"command": "/incident", "body": {"text": "x"}}, lane=lane,
                                         delay=10.0))


def test_the_recording_replica_takes_its_command_once_keeping_the_payload_it_gives(rig):
    effect_id = recorded(rig)
    kept = {"command": "/incident", "body": {"text": "x"}}
    now = rig.clock.time()
    with rig.work():
        assert rig.outbox.take(effect_id, now, payload=kept)
    with rig.work():
        assert not rig.outbox.take(effect_id, now, payload=kept), "taken twice"
    assert rig.db.query("SELECT state, attempts, payload FROM outbox WHERE id = ?", (effect_id,)) == [
        ("done", 1, '{"command":"/incident","body":{"text":"x"}}')]


def test_a_command_a_sender_holds_is_not_taken_and_one_whose_holder_died_is(rig):
    effect_id = recorded(rig)
    now = rig.clock.time()
    # the replica that recorded it was too slow: it fell due and a sender claimed it
    claimed = rig.outbox.claim(now + 11, "sender", now + 21, 10)
    assert [e.id for e in claimed] == [effect_id]
    with rig.work():
        assert not rig.outbox.take(effect_id, now + 12, payload={})
    assert rig.outbox.state_of(effect_id) == "pending"
    # that sender died mid-way and its lease ran out: whoever takes it now does it, and the sender's
    # late completion is refused
    with rig.work():
        assert rig.outbox.take(effect_id, now + 30, payload={})
    assert not rig.outbox.complete(claimed[0], "sender", now + 31)
    assert rig.outbox.state_of(effect_id) == "done"


def test_a_take_rolled_back_with_its_work_leaves_the_command_waiting(rig):
    effect_id = recorded(rig)
    try:
        with rig.work():
            assert rig.outbox.take(effect_id, rig.clock.time(), payload={})
            raise RuntimeError("the command's work failed")
    except RuntimeError:
        pass
    assert rig.outbox.state_of(effect_id) == "pending"


def test_a_command_is_taken_only_once_those_before_it_in_its_channel_are_done(rig):
    first, second = recorded(rig), recorded(rig)
    other_channel = recorded(rig, lane="command:C2")
    now = rig.clock.time()
    with rig.work():
        assert not rig.outbox.take(second, now, payload={}), "taken ahead of the first of its channel"
        assert rig.outbox.take(other_channel, now, payload={}), "another channel's does not wait"
    with rig.work():
        assert rig.outbox.take(first, now, payload={}) and rig.outbox.take(second, now, payload={})
    # an answer's copy is marked sent whatever waits in its lane
    later = recorded(rig, lane="command:C3")
    copy = recorded(rig, lane="command:C3")
    with rig.work():
        assert rig.outbox.take(copy, now, payload={}, in_lane_order=False)
    assert rig.outbox.state_of(later) == "pending"
