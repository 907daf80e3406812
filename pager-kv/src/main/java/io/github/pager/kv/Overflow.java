package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * Reads overflow runs: the part of a cell's payload that does not fit in its node (the rest of
 * a long key, then the value), stored as raw bytes over a run of consecutive pages, with no
 * header. The cell that owns a run records its first page and the CRC32C of its bytes; the
 * length follows from the cell's key and value lengths. {@link OverflowWriter} writes and frees
 * runs.
 *
 * <p>A run rather than a chain: the pager hands out runs ({@code Transaction.allocRun}), a run
 * is read page by page in order with no pointer to follow, and freeing it needs no read. The
 * cost is fragmentation: a value of {@code n} pages needs {@code n} consecutive free pages, so
 * a mix of large values of many sizes can grow the file where a chain would reuse single pages.
 */
final class Overflow {
  private Overflow() {}

  /** Pages a run of {@code length} bytes occupies; at least one. */
  static int pages(long length, int pageSize) {
    return (int) Math.max(1, (length + pageSize - 1) / pageSize);
  }

  /**
   * Copies bytes {@code [from, from + length)} of the run starting at page {@code first} into
   * {@code target}, without checking them.
   */
  static void read(PageSource pages, int pageSize, long first, long from, byte[] target, int targetOffset, int length) {
    long position = from;
    int done = 0;
    while (done < length) {
      long page = first + position / pageSize;
      int inPage = (int) (position % pageSize);
      int chunk = Math.min(length - done, pageSize - inPage);
      MemorySegment.copy(pages.page(page), ValueLayout.JAVA_BYTE, inPage, target, targetOffset + done, chunk);
      done += chunk;
      position += chunk;
    }
  }

  /**
   * Reads the whole run of {@code length} bytes, checks it against {@code crc}, and returns its
   * bytes from {@code skip} on.
   *
   * @throws KvCorruptException when the bytes do not match the checksum
   */
  static byte[] readChecked(PageSource pages, int pageSize, long first, int length, int crc, int skip, String file)
      throws KvCorruptException {
    byte[] all = new byte[length];
    read(pages, pageSize, first, 0, all, 0, length);
    int actual = crc(all, 0, length);
    if (actual != crc) {
      throw new KvCorruptException(
          file + ": overflow run at page " + first + " (" + length + " bytes) fails its checksum (recorded "
              + Integer.toHexString(crc) + ", computed " + Integer.toHexString(actual) + ")");
    }
    if (skip == 0) {
      return all;
    }
    byte[] rest = new byte[length - skip];
    System.arraycopy(all, skip, rest, 0, rest.length);
    return rest;
  }

  static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }
}
