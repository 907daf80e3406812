package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.util.ConcurrentModificationException;

/**
 * A position among a transaction's entries, in key order, that moves in both directions: range
 * scans, forwards and backwards.
 *
 * <pre>{@code
 * KvCursor cursor = tx.cursor();
 * for (boolean on = cursor.seekCeiling(from); on && Arrays.compareUnsigned(cursor.key(), to) < 0; on = cursor.next()) {
 *   use(cursor.key(), cursor.value());                  // keys in [from, to), ascending
 * }
 * for (boolean on = cursor.seekFloor(to); on; on = cursor.previous()) { ... }   // descending from to
 * }</pre>
 *
 * <p>The tree keeps no links between leaves (a copy-on-write tree could not keep them without
 * copying neighbours), so the cursor keeps the path from the root to its leaf and climbs it to
 * move to the next leaf. It holds no resource; it is usable while its transaction is open. A
 * cursor of a write transaction is invalidated by any change the transaction makes: its next
 * move throws {@link ConcurrentModificationException}; position it again. Not thread-safe: one
 * cursor per thread (a read transaction may serve many).
 */
public final class KvCursor {
  private static final int MAX_DEPTH = NodeLayout.MAX_LEVEL + 1;

  private final CursorSource source;
  private final TreeView view;
  private final MemorySegment[] nodes = new MemorySegment[MAX_DEPTH];
  private final int[] slots = new int[MAX_DEPTH];

  /** Depth of the leaf the cursor is on; -1 when it is on no entry. */
  private int depth = -1;

  private long version;

  KvCursor(CursorSource source) {
    this.source = source;
    this.view = source.view();
  }

  /**
   * Moves to the smallest key.
   *
   * @return true when on an entry; false when there is none
   * @throws java.io.IOException when a node fails its checks ({@link KvCorruptException})
   */
  public boolean first() throws java.io.IOException {
    return start() && edge(0, false);
  }

  /**
   * Moves to the largest key.
   *
   * @return true when on an entry; false when there is none
   * @throws java.io.IOException when a node fails its checks
   */
  public boolean last() throws java.io.IOException {
    return start() && edge(0, true);
  }

  /**
   * Moves to the smallest key at or above {@code key}.
   *
   * @param key where to start
   * @return true when on an entry; false when every key is below {@code key}
   * @throws java.io.IOException when a node fails its checks
   */
  public boolean seekCeiling(byte[] key) throws java.io.IOException {
    int slot = seekLeaf(key);
    if (slot == Integer.MIN_VALUE) {
      return false;
    }
    slots[depth] = slot >= 0 ? slot : -slot - 1;
    return slots[depth] < NodeLayout.count(nodes[depth]) || nextLeaf();
  }

  /**
   * Moves to the largest key at or below {@code key}.
   *
   * @param key where to start
   * @return true when on an entry; false when every key is above {@code key}
   * @throws java.io.IOException when a node fails its checks
   */
  public boolean seekFloor(byte[] key) throws java.io.IOException {
    int slot = seekLeaf(key);
    if (slot == Integer.MIN_VALUE) {
      return false;
    }
    slots[depth] = slot >= 0 ? slot : -slot - 2;
    return slots[depth] >= 0 || previousLeaf();
  }

  /**
   * Moves to the next key.
   *
   * @return true when on an entry; false, and on none, after the largest key
   * @throws IllegalStateException when the cursor is on no entry
   * @throws ConcurrentModificationException when the transaction changed since the cursor moved
   * @throws java.io.IOException when a node fails its checks
   */
  public boolean next() throws java.io.IOException {
    checkOnEntry();
    slots[depth]++;
    return slots[depth] < NodeLayout.count(nodes[depth]) || nextLeaf();
  }

  /**
   * Moves to the previous key.
   *
   * @return true when on an entry; false, and on none, before the smallest key
   * @throws IllegalStateException when the cursor is on no entry
   * @throws ConcurrentModificationException when the transaction changed since the cursor moved
   * @throws java.io.IOException when a node fails its checks
   */
  public boolean previous() throws java.io.IOException {
    checkOnEntry();
    slots[depth]--;
    return slots[depth] >= 0 || previousLeaf();
  }

  /**
   * Tells whether the cursor is on an entry.
   *
   * @return true when {@link #key()} and {@link #value()} may be called
   */
  public boolean isValid() {
    return depth >= 0;
  }

  /**
   * Returns a copy of the current key.
   *
   * @return the key
   * @throws IllegalStateException when the cursor is on no entry
   */
  public byte[] key() {
    checkOnEntry();
    MemorySegment leaf = nodes[depth];
    return view.cells.key(view.pages(), leaf, NodeLayout.cellAt(leaf, slots[depth]), true);
  }

  /**
   * Returns a copy of the current value.
   *
   * @return the value
   * @throws IllegalStateException when the cursor is on no entry
   * @throws KvCorruptException when the value's overflow run fails its checksum
   */
  public byte[] value() throws KvCorruptException {
    checkOnEntry();
    MemorySegment leaf = nodes[depth];
    return view.cells.value(view.pages(), leaf, NodeLayout.cellAt(leaf, slots[depth]));
  }

  // ---------------------------------------------------------------------------------------------

  /** Loads the root; false (and on no entry) when the tree is empty. */
  private boolean start() throws KvCorruptException {
    depth = -1;
    RootState root = source.root();
    version = source.version();
    if (root.page() == 0) {
      return false;
    }
    nodes[0] = view.nodes.node(root.page(), root.height() - 1, root.crc());
    return true;
  }

  /** Descends to the leaf where {@code key} belongs and searches it; MIN_VALUE for an empty tree. */
  private int seekLeaf(byte[] key) throws KvCorruptException {
    if (!start()) {
      return Integer.MIN_VALUE;
    }
    SearchKey search = SearchKey.of(key);
    int d = 0;
    while (!NodeLayout.isLeaf(nodes[d])) {
      slots[d] = view.search.branch(view.pages(), nodes[d], search);
      nodes[d + 1] = child(nodes[d], slots[d]);
      d++;
    }
    depth = d;
    return view.search.leaf(view.pages(), nodes[d], search);
  }

  /** From the node at {@code d}, descends along first (or last) children to a leaf's first (or last) entry. */
  private boolean edge(int d, boolean last) throws KvCorruptException {
    while (!NodeLayout.isLeaf(nodes[d])) {
      slots[d] = last ? NodeLayout.count(nodes[d]) - 1 : 0;
      nodes[d + 1] = child(nodes[d], slots[d]);
      d++;
    }
    int count = NodeLayout.count(nodes[d]);
    slots[d] = last ? count - 1 : 0;
    depth = d;
    if (count > 0) {
      return true;
    }
    return last ? previousLeaf() : nextLeaf(); // only an empty root leaf could be empty
  }

  /** Moves to the first entry of the next leaf; false at the end. */
  private boolean nextLeaf() throws KvCorruptException {
    int d = depth - 1;
    while (d >= 0 && slots[d] + 1 >= NodeLayout.count(nodes[d])) {
      d--;
    }
    if (d < 0) {
      depth = -1;
      return false;
    }
    slots[d]++;
    nodes[d + 1] = child(nodes[d], slots[d]);
    return edge(d + 1, false);
  }

  /** Moves to the last entry of the previous leaf; false at the start. */
  private boolean previousLeaf() throws KvCorruptException {
    int d = depth - 1;
    while (d >= 0 && slots[d] == 0) {
      d--;
    }
    if (d < 0) {
      depth = -1;
      return false;
    }
    slots[d]--;
    nodes[d + 1] = child(nodes[d], slots[d]);
    return edge(d + 1, true);
  }

  private MemorySegment child(MemorySegment branch, int slot) throws KvCorruptException {
    int cell = NodeLayout.cellAt(branch, slot);
    return view.nodes.node(NodeLayout.child(branch, cell), NodeLayout.level(branch) - 1, NodeLayout.childCrc(branch, cell));
  }

  private void checkOnEntry() {
    source.root(); // throws when the transaction has ended
    if (source.version() != version) {
      depth = -1;
      throw new ConcurrentModificationException("the transaction changed the store since this cursor was positioned");
    }
    if (depth < 0) {
      throw new IllegalStateException("the cursor is on no entry: position it with first, last, seekCeiling or seekFloor");
    }
  }
}
