package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;

/**
 * Fetches nodes for a search and checks that each is what its parent says: a node (its magic)
 * at the level expected, and, when the store reads verified, with the CRC32C its parent (or the
 * root value, for the root) recorded when it was committed. A write transaction's own new nodes
 * have no recorded checksum until its commit seals them, so they are exempt.
 *
 * <p>The magic and level cost one load each; the checksum reads the whole page, which is why it
 * is optional (see {@link KvOptions#withVerifiedReads}).
 */
final class NodeReader {
  private final PageSource pages;
  private final boolean verify;
  private final LongPredicate unsealed;
  private final String file;

  NodeReader(PageSource pages, boolean verify, LongPredicate unsealed, String file) {
    this.pages = pages;
    this.verify = verify;
    this.unsealed = unsealed;
    this.file = file;
  }

  PageSource pages() {
    return pages;
  }

  /**
   * Returns node {@code page}, checked.
   *
   * @param level the level its parent implies
   * @param crc the checksum its parent recorded
   * @throws KvCorruptException when it is not such a node
   */
  MemorySegment node(long page, int level, int crc) throws KvCorruptException {
    MemorySegment node = pages.page(page);
    if (NodeLayout.magic(node) != NodeLayout.MAGIC || NodeLayout.level(node) != level) {
      throw new KvCorruptException(
          file + ": page " + page + " is not a key-value node of level " + level + " (magic 0x"
              + Integer.toHexString(NodeLayout.magic(node)) + ", level " + NodeLayout.level(node) + ")");
    }
    if (verify && !unsealed.test(page)) {
      int actual = checksum(node);
      if (actual != crc) {
        throw new KvCorruptException(
            file + ": node page " + page + " fails its checksum (recorded " + Integer.toHexString(crc)
                + ", computed " + Integer.toHexString(actual) + ")");
      }
    }
    return node;
  }

  /**
   * The CRC32C of a whole page. Computed over a heap copy: a checksum over a mapped page the disk
   * cannot read would take the JVM down (see {@code MappedPage}), where the copy raises an error.
   */
  static int checksum(MemorySegment page) {
    // MemorySegment.copy rather than toArray, which builds a byte-order layout on every call.
    byte[] copy = new byte[(int) page.byteSize()];
    MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, copy, 0, copy.length);
    CRC32C crc = new CRC32C();
    crc.update(copy, 0, copy.length);
    return (int) crc.getValue();
  }
}
