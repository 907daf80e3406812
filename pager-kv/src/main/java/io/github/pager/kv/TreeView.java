package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * What a reader of one tree needs, bundled: the layout, node search, cell decoding and checked
 * node fetches over one {@link PageSource}. A read transaction has one over its snapshot, a
 * write transaction one over its pager.
 */
final class TreeView {
  final NodeLayout layout;
  final NodeSearch search;
  final Cells cells;
  final NodeReader nodes;

  TreeView(NodeLayout layout, Cells cells, NodeReader nodes) {
    this.layout = layout;
    this.search = new NodeSearch(layout);
    this.cells = cells;
    this.nodes = nodes;
  }

  PageSource pages() {
    return nodes.pages();
  }

  /**
   * Looks {@code key} up in the tree starting at {@code root}.
   *
   * @return a copy of its value, or null when absent
   * @throws KvCorruptException when a node or overflow run on the way fails its checks
   */
  byte @Nullable [] get(RootState root, byte[] key) throws KvCorruptException {
    if (root.page() == 0) {
      return null;
    }
    SearchKey search = SearchKey.of(key);
    int level = root.height() - 1;
    MemorySegment node = nodes.node(root.page(), level, root.crc());
    while (level > 0) {
      int cell = NodeLayout.cellAt(node, this.search.branch(pages(), node, search));
      level--;
      node = nodes.node(NodeLayout.child(node, cell), level, NodeLayout.childCrc(node, cell));
    }
    int slot = this.search.leaf(pages(), node, search);
    return slot < 0 ? null : cells.value(pages(), node, NodeLayout.cellAt(node, slot));
  }
}
