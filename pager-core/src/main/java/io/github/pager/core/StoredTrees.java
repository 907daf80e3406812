package io.github.pager.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the bitmaps and record arrays a commit keeps under its root values (FORMAT.md,
 * "Structures under root values"), without being told where they are.
 *
 * <p>A pair of slots {@code k, k + 1} is taken for a structure only when slot {@code k} names a
 * data page, slot {@code k + 1} encodes a possible height and record size, and that page holds a
 * tree node whose CRC32C is the one slot {@code k + 1} holds and whose header says it is the root
 * ({@code (height - 1, 0)}). Root values that an application keeps for its own use would have to
 * name a page whose checksum they also hold to be mistaken for one. A structure without nodes (a
 * bitmap with no bit ever set) has root page 0 and owns no page: it is not found, and has nothing
 * to count.
 */
final class StoredTrees {
  private StoredTrees() {}

  /** Every structure under the record's root values, in slot order, each counted by {@link TreeCensus}. */
  static List<CommitLayout.Structure> find(MappedFile file, NodeCache cache, MetadataRecord record) throws IOException {
    List<CommitLayout.Structure> found = new ArrayList<>();
    for (int slot = 0; slot + 1 < Format.ROOT_SLOTS; slot++) {
      long rootPage = record.root(slot);
      long rootMeta = record.root(slot + 1);
      if (!plausible(rootPage, rootMeta, record.pageCount) || !holdsRoot(file, rootPage, rootMeta)) {
        continue;
      }
      int recordSize = recordSize(rootMeta);
      CopyOnWriteTree tree = RootedStructure.tree(file, cache, slot, recordSize, rootPage, rootMeta);
      TreeCensus census = TreeCensus.of(tree);
      found.add(new CommitLayout.Structure(slot, census.shape(), census.positions()));
      slot++; // slot + 1 is this structure's second value, not the start of another
    }
    return found;
  }

  private static int recordSize(long rootMeta) {
    return (int) ((rootMeta >>> 40) & 0xFFFF);
  }

  private static int height(long rootMeta) {
    return Math.max(1, (int) ((rootMeta >>> 32) & 0xFF));
  }

  /** What the two values must look like before the page they name is read. */
  private static boolean plausible(long rootPage, long rootMeta, long pageCount) {
    int recordSize = recordSize(rootMeta);
    return rootPage >= Format.FIRST_DATA_PAGE
        && rootPage < pageCount
        && rootMeta >>> 56 == 0
        && height(rootMeta) <= Format.MAX_TREE_HEIGHT
        && (recordSize == 0 || (recordSize % 8 == 0 && recordSize <= PersistentArray.MAX_RECORD_SIZE));
  }

  private static boolean holdsRoot(MappedFile file, long rootPage, long rootMeta) throws IOException {
    byte[] bytes = new byte[file.pageSize()];
    PageFaults.read(file.page(rootPage), 0, bytes, bytes.length, file.describe(), rootPage, "structure root");
    return TreeNodes.check(MemorySegment.ofArray(bytes), (int) rootMeta, height(rootMeta) - 1, 0) == null;
  }
}
