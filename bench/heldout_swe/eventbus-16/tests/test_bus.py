from eventbus import Bus


def test_publish_reaches_subscribers():
    seen = []
    bus = Bus()
    bus.subscribe(seen.append)
    assert bus.publish(1) == 1
    assert seen == [1]


def test_subscribe_once():
    bus = Bus()
    bus.subscribe(print)
    bus.subscribe(print)
    assert len(bus.handlers) == 1


def test_unsubscribe_keeps_the_others():
    first, second = [], []
    bus = Bus()
    bus.subscribe(first.append)
    bus.subscribe(second.append)
    bus.unsubscribe(first.append)
    bus.publish("x")
    assert first == [] and second == ["x"]
