"""The fast doctree walk visits what ``findall`` visits, in the same order."""

from __future__ import annotations

from docutils import nodes
from docutils.core import publish_doctree

from manualkit.doctree_walk import node_classes, nodes_of, walk

SOURCE = """
标题
====

第一段，含 *强调* 与 ``代码``。

- 列表项一
- 列表项二

  嵌套段落。

.. note:: 注意事项，见 `监管网站`_ 。

.. _监管网站: https://www.nfra.gov.cn/

======  ======
甲       乙
======  ======
一       二
======  ======
"""


def test_walk_is_findall_in_the_same_order() -> None:
    tree = publish_doctree(SOURCE)
    expected = list(tree.findall())
    assert len(expected) > 30
    assert [id(node) for node in walk(tree)] == [id(node) for node in expected]
    classes, carried = node_classes(tree)
    assert classes == {type(node) for node in expected}
    assert {nodes.table, nodes.emphasis, nodes.literal, nodes.note} <= classes
    assert carried == set()


def test_node_classes_tells_which_watched_attributes_occur() -> None:
    tree = publish_doctree(SOURCE)
    watched = {"reference": ("refname", "refuri"), "target": ("refname",)}
    assert node_classes(tree, watched)[1] == {("reference", "refuri")}  # resolved: no refname left
    (link,) = tree.findall(nodes.reference)
    link["refname"] = "监管网站"
    assert node_classes(tree, watched)[1] == {("reference", "refname"), ("reference", "refuri")}
    assert node_classes(tree, {"target": ("refname",)})[1] == set()


def test_nodes_of_is_findall_of_each_class_in_one_walk() -> None:
    tree = publish_doctree(SOURCE)
    kinds = (nodes.paragraph, nodes.TextElement, nodes.reference, nodes.image)
    found = nodes_of(tree, *kinds)
    assert [[id(node) for node in of_kind] for of_kind in found] == [
        [id(node) for node in tree.findall(kind)] for kind in kinds
    ]
    assert found[0] and found[2] and found[3] == []
