package io.github.pager.core;

import static io.github.pager.core.Format.FLAG_EMPTY;
import static io.github.pager.core.Format.FLAG_FULL;
import static io.github.pager.core.Format.U64;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A copy-on-write tree of node pages holding a bitmap (or a record array), each child's CRC32C
 * kept in its parent.
 *
 * <p>Leaves (level 0) hold the bits; interior entries name a child page, its CRC, and two flags:
 * FULL (every bit below is set) and EMPTY (none is), so searches for the first clear or first set
 * bit skip whole subtrees. A child page of 0 means "no node": every bit it would cover is clear,
 * which makes a bitmap over a huge, sparse index space cost only the nodes that hold set bits.
 *
 * <p>One instance is the working state between two commits. A change copies the touched leaf
 * and its ancestors into memory; nothing on disk changes until {@link #assignPages} gives every
 * changed node a fresh page and {@link #writeOut} stores them, bottom up, each parent receiving
 * its children's new page and CRC. Rolling back is dropping the instance. Where fresh pages come
 * from is the caller's {@link Placement}: the pager's own free-space tree places its nodes in
 * itself, other bitmaps take theirs from the pager. Not thread-safe: the writer lock guards it.
 *
 * <p>The same tree holds a record array when its leaves hold fixed-size records instead of bits
 * ({@link TreeGeometry#forRecords}): {@link #readRecord} and {@link #writeRecord} then replace
 * the bit operations, and a leaf of all-zero records counts as empty.
 *
 * <p>Node words: {@code words[0]} holds magic and level, {@code words[1]} the index, then a leaf's
 * bitmap words or records, or an interior node's entries as two words each (child page; CRC in
 * the low and flags in the high half). See FORMAT.md, "Copy-on-write trees".
 */
final class CopyOnWriteTree {

  /** Where changed nodes go at commit: a source of fresh pages, and a sink for replaced ones. */
  interface Placement {
    /** Takes a page for a node; it must not be reachable from any durable metadata copy. */
    long take() throws IOException;

    /** Gives back the page a replaced node came from. */
    void give(long page) throws IOException;
  }

  /** Bits that read as clear but must not be handed out, laid over leaves word by word. */
  interface Exclusion {
    Exclusion NONE =
        new Exclusion() {
          @Override
          public boolean hasAny(long leaf) {
            return false;
          }

          @Override
          public long mask(long leaf, int word) {
            return 0;
          }

          @Override
          public long nextLeafWithAny(long fromLeaf) {
            return -1;
          }
        };

    boolean hasAny(long leaf);

    long mask(long leaf, int word);

    /** The lowest leaf at or after {@code fromLeaf} with an excluded bit, or -1. */
    long nextLeafWithAny(long fromLeaf);
  }

  private record NodeKey(int level, long index) {}

  /** A node changed since the last commit, with the page it came from and the one it will go to. */
  private static final class DirtyNode {
    final int level;
    final long index;
    final long[] words;
    final long oldPage;
    long newPage;

    DirtyNode(int level, long index, long[] words, long oldPage) {
      this.level = level;
      this.index = index;
      this.words = words;
      this.oldPage = oldPage;
    }
  }

  private final MappedFile file;
  private final TreeGeometry geometry;
  private final NodeCache cache;
  private final Map<NodeKey, DirtyNode> dirty = new HashMap<>();

  /** Where {@link #writeOut} lays out each node before writing it; made at the first write. */
  private @Nullable MemorySegment nodeBuffer;

  /** The root's page, or 0 while the bitmap has no node (all clear) or the root is new. */
  private long rootPage;

  private int rootCrc;
  private int height;

  CopyOnWriteTree(MappedFile file, TreeGeometry geometry, NodeCache cache, long rootPage, int rootCrc, int height) {
    this.file = file;
    this.geometry = geometry;
    this.cache = cache;
    this.rootPage = rootPage;
    this.rootCrc = rootCrc;
    this.height = Math.max(1, height);
  }

  long rootPage() {
    return rootPage;
  }

  private MemorySegment nodeBuffer() {
    MemorySegment buffer = nodeBuffer;
    if (buffer == null) {
      buffer = MemorySegment.ofArray(new byte[geometry.pageSize()]);
      nodeBuffer = buffer;
    }
    return buffer;
  }

  int rootCrc() {
    return rootCrc;
  }

  int height() {
    return height;
  }

  TreeGeometry geometry() {
    return geometry;
  }

  /** The number of bits the tree can hold at its current height. */
  long capacity() {
    return geometry.capacity(height);
  }

  boolean isDirty() {
    return !dirty.isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  boolean isSet(long bit) throws IOException {
    if (bit >= capacity()) {
      return false;
    }
    long[] leaf = node(0, bit / geometry.leafSlots());
    if (leaf == null) {
      return false;
    }
    int b = (int) (bit % geometry.leafSlots());
    return (leaf[2 + (b >>> 6)] & (1L << b)) != 0;
  }

  /**
   * Calls {@code action} with the page of every node of the committed tree. Reads only interior
   * nodes: a leaf's page is known from its parent's entry. An interior node that fails its check
   * is reported but not descended into: the pages under it stay unknown here, and reading them
   * fails the same check later ({@code verify} reports it). The tree must have no uncommitted
   * change.
   */
  void forEachNodePage(java.util.function.LongConsumer action) {
    if (!dirty.isEmpty()) {
      throw new IllegalStateException("node pages of a tree with uncommitted changes");
    }
    if (rootPage != 0) {
      action.accept(rootPage);
      forEachChildPage(height - 1, 0, rootPage, rootCrc, action);
    }
  }

  private void forEachChildPage(int level, long index, long page, int crc, java.util.function.LongConsumer action) {
    if (level == 0) {
      return;
    }
    long[] words;
    try {
      words = load(page, crc, level, index);
    } catch (IOException unreadable) {
      return;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long child = words[entryChild(e)];
      if (child != 0) {
        action.accept(child);
        forEachChildPage(level - 1, index * geometry.fanout() + e, child, (int) words[entryMeta(e)], action);
      }
    }
  }

  /**
   * Returns the lowest bit in [from, limit) that is clear and not excluded, or -1.
   *
   * @param limit the end of the searched range; at most {@link #capacity()}
   */
  long findClear(long from, long limit, Exclusion exclusion) throws IOException {
    if (from >= limit) {
      return -1;
    }
    return findClear(height - 1, 0, rootWords(), from, limit, exclusion);
  }

  private long findClear(int level, long index, long @Nullable [] words, long from, long limit, Exclusion exclusion)
      throws IOException {
    long start = index * geometry.span(level);
    long end = Math.min(limit, saturatedAdd(start, geometry.span(level)));
    if (words == null) {
      for (long bit = Math.max(from, start); bit < end; bit++) {
        long leaf = bit / geometry.leafSlots();
        int b = (int) (bit % geometry.leafSlots());
        if (!exclusion.hasAny(leaf) || (exclusion.mask(leaf, b >>> 6) & (1L << b)) == 0) {
          return bit;
        }
      }
      return -1;
    }
    if (level == 0) {
      return findClearInLeaf(index, words, Math.max(from, start), end, exclusion);
    }
    long childSpan = geometry.span(level - 1);
    int first = from > start ? (int) ((from - start) / childSpan) : 0;
    for (int e = first; e < geometry.fanout(); e++) {
      long childStart = start + e * childSpan;
      if (childStart >= end) {
        break;
      }
      if ((entryFlags(words, e) & FLAG_FULL) != 0) {
        continue;
      }
      long childIndex = index * geometry.fanout() + e;
      long found =
          findClear(level - 1, childIndex, child(level - 1, childIndex, words, e), Math.max(from, childStart), end, exclusion);
      if (found >= 0) {
        return found;
      }
    }
    return -1;
  }

  private long findClearInLeaf(long leaf, long[] words, long from, long end, Exclusion exclusion) {
    long start = leaf * geometry.leafSlots();
    if (from >= end) {
      return -1;
    }
    boolean anyExcluded = exclusion.hasAny(leaf);
    int bit = (int) (from - start);
    int lastWord = (int) ((end - 1 - start) >>> 6);
    for (int w = bit >>> 6; w <= lastWord; w++) {
      long used = words[2 + w];
      if (anyExcluded) {
        used |= exclusion.mask(leaf, w);
      }
      if (w == bit >>> 6) {
        used |= (1L << (bit & 63)) - 1;
      }
      if (used != -1L) {
        long found = start + 64L * w + Long.numberOfTrailingZeros(~used);
        return found < end ? found : -1;
      }
    }
    return -1;
  }

  /**
   * Returns the lowest bit in [from, to) that is set or excluded, or -1 when there is none.
   * Subtrees flagged EMPTY are skipped only when nothing is excluded, since an excluded bit
   * reads as clear.
   */
  long nextSetOrExcluded(long from, long to, Exclusion exclusion) throws IOException {
    if (from >= to) {
      return -1;
    }
    return nextSetOrExcluded(height - 1, 0, rootWords(), from, to, exclusion);
  }

  private long nextSetOrExcluded(int level, long index, long @Nullable [] words, long from, long to, Exclusion exclusion)
      throws IOException {
    long start = index * geometry.span(level);
    if (words == null) {
      // An absent node covers only clear bits; excluded ones may lie there (a leaf that emptied
      // out and was dropped), so look them up leaf by leaf.
      long lo = Math.max(from, start);
      long hi = Math.min(to, saturatedAdd(start, geometry.span(level)));
      for (long leaf = exclusion.nextLeafWithAny(lo / geometry.leafSlots());
          leaf >= 0 && leaf * geometry.leafSlots() < hi;
          leaf = exclusion.nextLeafWithAny(leaf + 1)) {
        for (long bit = Math.max(lo, leaf * geometry.leafSlots()); bit < Math.min(hi, (leaf + 1) * geometry.leafSlots()); bit++) {
          int b = (int) (bit % geometry.leafSlots());
          if ((exclusion.mask(leaf, b >>> 6) & (1L << b)) != 0) {
            return bit;
          }
        }
      }
      return -1;
    }
    if (level == 0) {
      boolean anyExcluded = exclusion.hasAny(index);
      for (long bit = Math.max(from, start); bit < to; ) {
        int b = (int) (bit - start);
        int w = b >>> 6;
        long used = words[2 + w] | (anyExcluded ? exclusion.mask(index, w) : 0);
        used &= -1L << (b & 63);
        if (used != 0) {
          long hit = start + 64L * w + Long.numberOfTrailingZeros(used);
          return hit < to ? hit : -1;
        }
        if (w + 1 == geometry.leafWords()) {
          break;
        }
        bit = start + 64L * (w + 1);
      }
      return -1;
    }
    long childSpan = geometry.span(level - 1);
    int first = from > start ? (int) ((from - start) / childSpan) : 0;
    for (int e = first; e < geometry.fanout(); e++) {
      long childStart = start + e * childSpan;
      if (childStart >= to) {
        break;
      }
      if (exclusion == Exclusion.NONE && (entryFlags(words, e) & FLAG_EMPTY) != 0) {
        continue;
      }
      long childIndex = index * geometry.fanout() + e;
      long hit =
          nextSetOrExcluded(
              level - 1, childIndex, child(level - 1, childIndex, words, e), Math.max(from, childStart), to, exclusion);
      if (hit >= 0) {
        return hit;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Changes

  /** Sets a clear bit; the tree must already be tall enough ({@link #ensureCapacity}). */
  void set(long bit) throws IOException {
    long leaf = bit / geometry.leafSlots();
    int b = (int) (bit % geometry.leafSlots());
    DirtyNode node = dirty(0, leaf);
    int w = 2 + (b >>> 6);
    if ((node.words[w] & (1L << b)) != 0) {
      throw new IllegalStateException("bit " + bit + " of a bitmap in " + file.describe() + " is already set");
    }
    boolean wasEmptyWord = node.words[w] == 0;
    node.words[w] |= 1L << b;
    if (wasEmptyWord) {
      setFlag(1, leaf, FLAG_EMPTY, false);
    }
    if (node.words[w] == -1L && isFull(node.words, 0)) {
      setFlag(1, leaf, FLAG_FULL, true);
    }
  }

  /** Clears a set bit. */
  void clear(long bit) throws IOException {
    if (bit >= capacity()) {
      throw new IllegalStateException("bit " + bit + " of a bitmap in " + file.describe() + " is already clear");
    }
    long leaf = bit / geometry.leafSlots();
    int b = (int) (bit % geometry.leafSlots());
    DirtyNode node = dirty(0, leaf);
    int w = 2 + (b >>> 6);
    if ((node.words[w] & (1L << b)) == 0) {
      throw new IllegalStateException("bit " + bit + " of a bitmap in " + file.describe() + " is already clear");
    }
    boolean wasFullWord = node.words[w] == -1L;
    node.words[w] &= ~(1L << b);
    if (wasFullWord) {
      setFlag(1, leaf, FLAG_FULL, false);
    }
    if (node.words[w] == 0 && isEmpty(node.words, 0)) {
      setFlag(1, leaf, FLAG_EMPTY, true);
    }
  }

  /** Sets every bit in [from, to), all of which the caller knows to be clear. */
  void setRun(long from, long to) throws IOException {
    long leafSlots = geometry.leafSlots();
    for (long bit = from; bit < to; ) {
      long leaf = bit / leafSlots;
      long leafEnd = Math.min(to, (leaf + 1) * leafSlots);
      DirtyNode node = dirty(0, leaf);
      for (long p = bit; p < leafEnd; ) {
        int b = (int) (p - leaf * leafSlots);
        int w = 2 + (b >>> 6);
        int n = (int) Math.min(64 - (b & 63), leafEnd - p);
        node.words[w] |= (n == 64 ? -1L : ((1L << n) - 1)) << (b & 63);
        p += n;
      }
      setFlag(1, leaf, FLAG_EMPTY, false);
      if (isFull(node.words, 0)) {
        setFlag(1, leaf, FLAG_FULL, true);
      }
      bit = leafEnd;
    }
  }

  /**
   * Marks every node stored at page {@code firstPage} or past it changed, with its content as it
   * is, so that {@link #assignPages} gives it a fresh page at commit: how compaction moves a
   * tree's nodes towards the start of the file (placement takes the lowest free pages). Their
   * ancestors become changed too, as with any change. Reads every interior node; a leaf's page is
   * known from its parent's entry.
   *
   * @return how many nodes were stored at or past {@code firstPage}
   */
  int moveNodesFrom(long firstPage) throws IOException {
    return moveNodesFrom(height - 1, 0, rootPage, rootCrc, firstPage);
  }

  private int moveNodesFrom(int level, long index, long page, int crc, long firstPage) throws IOException {
    DirtyNode changed = dirty.get(new NodeKey(level, index));
    int moved = 0;
    long[] words;
    if (changed != null) {
      // Changed already: it gets a fresh page anyway, and its entries name its children.
      words = changed.words;
      moved += changed.oldPage >= firstPage ? 1 : 0;
    } else if (page == 0) {
      return 0;
    } else if (page >= firstPage) {
      words = dirty(level, index).words;
      moved++;
    } else if (level == 0) {
      return 0;
    } else {
      words = load(page, crc, level, index);
    }
    if (level == 0) {
      return moved;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long childIndex = index * geometry.fanout() + e;
      long child = words[entryChild(e)];
      if (child != 0 || dirty.containsKey(new NodeKey(level - 1, childIndex))) {
        moved += moveNodesFrom(level - 1, childIndex, child, (int) words[entryMeta(e)], firstPage);
      }
    }
    return moved;
  }

  /** Copies record {@code index} of a record tree into {@code into}: zeros when never written. */
  void readRecord(long index, long[] into) throws IOException {
    java.util.Arrays.fill(into, 0);
    if (index >= capacity()) {
      return;
    }
    long[] leaf = node(0, index / geometry.leafSlots());
    if (leaf != null) {
      System.arraycopy(leaf, recordOffset(index), into, 0, into.length);
    }
  }

  /**
   * Writes record {@code index} of a record tree. A record of zeros is the same as one never
   * written: a leaf left holding only zeros is dropped at commit.
   */
  void writeRecord(long index, long[] record) throws IOException {
    long leafIndex = index / geometry.leafSlots();
    boolean zero = true;
    for (long word : record) {
      zero &= word == 0;
    }
    if (zero && (index >= capacity() || node(0, leafIndex) == null)) {
      return;
    }
    ensureCapacity(index + 1);
    DirtyNode node = dirty(0, leafIndex);
    System.arraycopy(record, 0, node.words, recordOffset(index), record.length);
    setFlag(1, leafIndex, FLAG_EMPTY, isEmpty(node.words, 0));
    setFlag(1, leafIndex, FLAG_FULL, isFull(node.words, 0));
  }

  private int recordOffset(long index) {
    return 2 + (int) (index % geometry.leafSlots()) * (geometry.recordSize() / 8);
  }

  /** Adds root levels until the tree can hold {@code bits} bits. */
  void ensureCapacity(long bits) throws IOException {
    while (capacity() < bits) {
      addRootLevel();
    }
  }

  /** Records in the parent at {@code level} whether its child {@code childIndex} has a flag. */
  private void setFlag(int level, long childIndex, int flag, boolean value) throws IOException {
    if (level >= height) {
      return;
    }
    long index = childIndex / geometry.fanout();
    int e = (int) (childIndex % geometry.fanout());
    DirtyNode parent = dirty(level, index);
    boolean was = (entryFlags(parent.words, e) & flag) != 0;
    if (was == value) {
      return;
    }
    int flags = value ? entryFlags(parent.words, e) | flag : entryFlags(parent.words, e) & ~flag;
    parent.words[entryMeta(e)] = (parent.words[entryMeta(e)] & 0xFFFF_FFFFL) | ((long) flags << 32);
    // Losing a flag propagates at once; gaining one only once every sibling has it too.
    if (!value || (flag == FLAG_FULL ? isFull(parent.words, level) : isEmpty(parent.words, level))) {
      setFlag(level + 1, index, flag, value);
    }
  }

  private boolean isFull(long[] words, int level) {
    if (level == 0) {
      for (int w = 2; w < words.length; w++) {
        if (words[w] != -1L) {
          return false;
        }
      }
      return true;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      if ((entryFlags(words, e) & FLAG_FULL) == 0) {
        return false;
      }
    }
    return true;
  }

  private boolean isEmpty(long[] words, int level) {
    if (level == 0) {
      for (int w = 2; w < words.length; w++) {
        if (words[w] != 0) {
          return false;
        }
      }
      return true;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      if (words[entryChild(e)] != 0 && (entryFlags(words, e) & FLAG_EMPTY) == 0) {
        return false;
      }
      if (words[entryChild(e)] == 0 && dirty.containsKey(new NodeKey(level - 1, words[1] * geometry.fanout() + e))
          && (entryFlags(words, e) & FLAG_EMPTY) == 0) {
        return false;
      }
    }
    return true;
  }

  /** Puts a new root above the current one, which becomes its first child. */
  private void addRootLevel() throws IOException {
    long[] oldRootWords = rootWords();
    DirtyNode oldRootDirty = dirty.get(new NodeKey(height - 1, 0));
    int flags = 0;
    if (oldRootWords == null || isEmpty(oldRootWords, height - 1)) {
      flags |= FLAG_EMPTY;
    } else if (isFull(oldRootWords, height - 1)) {
      flags |= FLAG_FULL;
    }
    long[] words = emptyNode(geometry, height, 0);
    // A changed old root gets its page and CRC written into this entry by writeOut().
    words[entryChild(0)] = oldRootDirty != null ? 0 : rootPage;
    words[entryMeta(0)] =
        (oldRootDirty != null ? 0 : rootCrc & 0xFFFF_FFFFL) | ((long) (oldRootWords == null ? 0 : flags) << 32);
    height++;
    dirty.put(new NodeKey(height - 1, 0), new DirtyNode(height - 1, 0, words, 0));
    rootPage = 0;
    rootCrc = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Commit

  /**
   * Gives every changed node a fresh page from {@code placement}, handing back the page it came
   * from; a changed node left with no bit set is dropped instead (its parent entry becomes "no
   * node"), so a bitmap that empties out gives its pages back. When the placement is this tree
   * itself, taking and giving pages changes more nodes, so this repeats until every changed node
   * has a page and none is empty; it ends because each node needs a page only once per commit.
   */
  void assignPages(Placement placement) throws IOException {
    while (true) {
      boolean pruned = pruneEmpty(placement);
      List<DirtyNode> unassigned = new ArrayList<>();
      for (DirtyNode node : dirty.values()) {
        if (node.newPage == 0) {
          unassigned.add(node);
        }
      }
      if (unassigned.isEmpty() && !pruned) {
        return;
      }
      for (DirtyNode node : unassigned) {
        node.newPage = placement.take();
        if (node.oldPage != 0) {
          placement.give(node.oldPage);
        }
      }
    }
  }

  /** Drops changed nodes without a set bit, children first; tells whether any was dropped. */
  private boolean pruneEmpty(Placement placement) throws IOException {
    List<DirtyNode> nodes = new ArrayList<>(dirty.values());
    nodes.sort(Comparator.comparingInt((DirtyNode n) -> n.level));
    boolean pruned = false;
    for (DirtyNode node : nodes) {
      if (!holdsNothing(node)) {
        continue;
      }
      dirty.remove(new NodeKey(node.level, node.index));
      pruned = true;
      if (node.level == height - 1) {
        rootPage = 0;
        rootCrc = 0;
      } else {
        DirtyNode parent = dirty.get(new NodeKey(node.level + 1, node.index / geometry.fanout()));
        if (parent == null) {
          throw new IllegalStateException("changed node without a changed parent");
        }
        int e = (int) (node.index % geometry.fanout());
        parent.words[entryChild(e)] = 0;
        parent.words[entryMeta(e)] = 0;
      }
      // Pages taken for it this commit, and the page it came from, are no longer needed.
      if (node.newPage != 0) {
        placement.give(node.newPage);
      }
      if (node.oldPage != 0 && node.newPage == 0) {
        placement.give(node.oldPage);
      }
    }
    return pruned;
  }

  /** A leaf with no bit set, or an interior node with no child left. */
  private boolean holdsNothing(DirtyNode node) {
    if (node.level == 0) {
      return isEmpty(node.words, 0);
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      if (node.words[entryChild(e)] != 0 || dirty.containsKey(new NodeKey(node.level - 1, node.index * geometry.fanout() + e))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Stores every changed node into its new page, children before parents, so that each parent
   * records its children's final page and CRC; the root's stays here for the metadata. Afterwards
   * the tree has no changes left.
   *
   * @return how many nodes were stored
   * @throws UnreadablePageException when a node's new page cannot be stored into; the commit then
   *     fails before any record names the pages written so far
   * @throws IOException when a node's positional write fails ({@link MappedFile#writeOwnPage}),
   *     with the same consequence
   */
  int writeOut() throws IOException {
    List<DirtyNode> nodes = new ArrayList<>(dirty.values());
    nodes.sort(Comparator.comparingInt((DirtyNode n) -> n.level).thenComparingLong(n -> n.index));
    for (DirtyNode node : nodes) {
      if (node.newPage == 0) {
        throw new IllegalStateException("writeOut before assignPages");
      }
      // Checksummed on the heap, never over the mapping: see PageFaults.
      MemorySegment bytes = nodeBuffer();
      MemorySegment.copy(node.words, 0, bytes, U64, 0, node.words.length);
      int crc = Checksums.crc32c(bytes, 0, bytes.byteSize());
      file.writeOwnPage(node.newPage, bytes, "tree node");
      cache.put(node.newPage, crc, node.words);
      if (node.level == height - 1) {
        rootPage = node.newPage;
        rootCrc = crc;
      } else {
        DirtyNode parent = dirty.get(new NodeKey(node.level + 1, node.index / geometry.fanout()));
        if (parent == null) {
          throw new IllegalStateException("changed node without a changed parent");
        }
        int e = (int) (node.index % geometry.fanout());
        parent.words[entryChild(e)] = node.newPage;
        parent.words[entryMeta(e)] = (parent.words[entryMeta(e)] & 0xFFFF_FFFF_0000_0000L) | (crc & 0xFFFF_FFFFL);
      }
    }
    dirty.clear();
    return nodes.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading nodes

  long @Nullable [] rootWords() throws IOException {
    return node(height - 1, 0);
  }

  /** The current words of node (level, index), or null when it does not exist (all clear). */
  long @Nullable [] node(int level, long index) throws IOException {
    DirtyNode changed = dirty.get(new NodeKey(level, index));
    if (changed != null) {
      return changed.words;
    }
    if (level == height - 1) {
      return index == 0 && rootPage != 0 ? load(rootPage, rootCrc, level, 0) : null;
    }
    long[] parent = node(level + 1, index / geometry.fanout());
    if (parent == null) {
      return null;
    }
    return child(level, index, parent, (int) (index % geometry.fanout()));
  }

  /** The words of child {@code e} of a parent whose words are known. */
  long @Nullable [] child(int level, long index, long[] parent, int e) throws IOException {
    DirtyNode changed = dirty.get(new NodeKey(level, index));
    if (changed != null) {
      return changed.words;
    }
    long page = parent[entryChild(e)];
    return page == 0 ? null : load(page, (int) parent[entryMeta(e)], level, index);
  }

  /** Makes node (level, index) and its ancestors changeable, copying them from disk if needed. */
  private DirtyNode dirty(int level, long index) throws IOException {
    NodeKey key = new NodeKey(level, index);
    DirtyNode node = dirty.get(key);
    if (node != null) {
      return node;
    }
    long page;
    int crc;
    if (level == height - 1) {
      page = rootPage;
      crc = rootCrc;
    } else {
      DirtyNode parent = dirty(level + 1, index / geometry.fanout());
      int e = (int) (index % geometry.fanout());
      page = parent.words[entryChild(e)];
      crc = (int) parent.words[entryMeta(e)];
      if (page == 0) {
        // A node that did not exist covers only clear bits: its entry says so from now on.
        parent.words[entryMeta(e)] |= (long) FLAG_EMPTY << 32;
      }
    }
    long[] words = page == 0 ? emptyNode(geometry, level, index) : load(page, crc, level, index).clone();
    node = new DirtyNode(level, index, words, page);
    dirty.put(key, node);
    return node;
  }

  private long[] load(long page, int expectedCrc, int level, long index) throws IOException {
    long[] cached = cache.get(page, expectedCrc);
    if (cached != null) {
      return cached;
    }
    long[] words = TreeNodes.read(file, geometry, page, expectedCrc, level, index);
    cache.put(page, expectedCrc, words);
    return words;
  }

  static long[] emptyNode(TreeGeometry geometry, int level, long index) {
    long[] words = new long[geometry.pageSize() / 8];
    words[0] = (Format.NODE_MAGIC_VALUE & 0xFFFF_FFFFL) | ((long) level << 32);
    words[1] = index;
    return words;
  }

  static int entryChild(int e) {
    return 2 + 2 * e;
  }

  static int entryMeta(int e) {
    return 3 + 2 * e;
  }

  static int entryFlags(long[] words, int e) {
    return (int) (words[entryMeta(e)] >>> 32);
  }

  /** {@code a + b}, or {@link Long#MAX_VALUE} when that overflows: a span's end near 2^63. */
  static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
