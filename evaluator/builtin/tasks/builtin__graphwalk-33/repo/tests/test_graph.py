from graphwalk import Graph


def test_path_along_edges():
    g = Graph()
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    assert g.shortest_path("a", "c") == ["a", "b", "c"]


def test_shortest_of_two_routes():
    g = Graph(directed=True)
    for u, v in [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]:
        g.add_edge(u, v)
    assert g.shortest_path("a", "d") == ["a", "d"]


def test_unknown_node():
    g = Graph()
    g.add_edge(1, 2)
    assert g.shortest_path(1, 99) is None
