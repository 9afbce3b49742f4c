"""The fast doctree walk visits what ``findall`` visits, in the same order."""

from __future__ import annotations

from docutils import nodes
from docutils.core import publish_doctree

from manualkit.doctree_walk import node_classes, walk

SOURCE = """
标题
====

第一段，含 *强调* 与 ``代码``。

- 列表项一
- 列表项二

  嵌套段落。

.. note:: 注意事项。

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
    assert node_classes(tree) == {type(node) for node in expected}
    assert {nodes.table, nodes.emphasis, nodes.literal, nodes.note} <= node_classes(tree)
