package io.github.pager.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The lean read path: reads values straight out of the mapping by page index and offset, with no
 * {@link PageId} or {@link MappedPage} per read. For structures that keep page numbers on disk
 * and read many small values, such as a B-tree descending from its root.
 *
 * <pre>{@code
 * PageReader reader = pager.reader();      // once; share it between threads
 * long child = reader.getLong(node, 16);   // page index, byte offset in the page
 * }</pre>
 *
 * <p><b>What it checks.</b> Every read checks that the page lies in {@code [3, pageCount)} and that
 * the value lies inside the page, and throws {@link PageOutOfBoundsException}, {@link
 * ReservedPageException} or {@link IndexOutOfBoundsException} otherwise, as {@link
 * Pager#page(long)} does. After the pager is closed every read throws {@link
 * IllegalStateException}: the mapping's own liveness check refuses it, so a reader kept too long
 * never touches unmapped memory.
 *
 * <p><b>What it does not check.</b> Unlike {@link Pager#page(long)}, a read of one of the pager's
 * own pages (a free-space tree node or a pending list page) is not refused: a read cannot damage
 * the file, and looking the page up in the set of the pager's own would cost as much as the read.
 * Whether a page is allocated stays the caller's knowledge, as with {@link Pager#pageId}.
 *
 * <p><b>Why it is fast.</b> A reader keeps, in a plain field, an immutable span: the first mapped
 * region and the page count it may read. So a read is two comparisons and the mapping's own bounds
 * and liveness checks, with no volatile load that would keep the JIT from hoisting work out of a
 * caller's loop. A page past the span (the file grew, or it lies beyond the first region, in files
 * of more than 64 GiB) takes the slow path: the reader fetches a new span from the pager, checks
 * the page as {@link Pager#page(long)} does, and reads through its view.
 *
 * <p>A reader of a pager that another thread commits to sees pages as they are in the mapping,
 * like {@link MappedPage}: for a consistent view of several pages, read under a {@link Snapshot}
 * and only pages its commit reaches. Values are little-endian. A page the disk cannot read faults
 * as described in {@link MappedPage}. Readers are thread safe and cost nothing to keep.
 */
public final class PageReader {
  private final Pager pager;

  /**
   * What a read may use without asking the pager. A plain field: a thread that sees an older span
   * only takes the slow path more often, and the span's fields are final, so whatever span a
   * thread sees is whole.
   */
  private Span span;

  PageReader(Pager pager) {
    this.pager = pager;
    this.span = pager.readerSpan();
  }

  /**
   * Reads a little-endian 64-bit value.
   *
   * @param page the page's index
   * @param offset the value's offset in the page, any alignment
   * @return the value
   * @throws PageOutOfBoundsException when the page is at or past the page count
   * @throws ReservedPageException when the page is the superblock or a metadata page
   * @throws IndexOutOfBoundsException when the value does not lie inside the page
   * @throws IllegalStateException when the pager is closed
   */
  public long getLong(long page, long offset) {
    Span s = span;
    if (s.covers(page, offset, Long.BYTES)) {
      return s.region.get(MappedPage.LONG, s.at(page, offset));
    }
    return slowPath(page).getLong(offset);
  }

  /**
   * Reads a little-endian 32-bit value.
   *
   * @param page the page's index
   * @param offset the value's offset in the page, any alignment
   * @return the value
   * @throws PageOutOfBoundsException when the page is at or past the page count
   * @throws ReservedPageException when the page is the superblock or a metadata page
   * @throws IndexOutOfBoundsException when the value does not lie inside the page
   * @throws IllegalStateException when the pager is closed
   */
  public int getInt(long page, long offset) {
    Span s = span;
    if (s.covers(page, offset, Integer.BYTES)) {
      return s.region.get(MappedPage.INT, s.at(page, offset));
    }
    return slowPath(page).getInt(offset);
  }

  /**
   * Reads a little-endian 16-bit value.
   *
   * @param page the page's index
   * @param offset the value's offset in the page, any alignment
   * @return the value
   * @throws PageOutOfBoundsException when the page is at or past the page count
   * @throws ReservedPageException when the page is the superblock or a metadata page
   * @throws IndexOutOfBoundsException when the value does not lie inside the page
   * @throws IllegalStateException when the pager is closed
   */
  public short getShort(long page, long offset) {
    Span s = span;
    if (s.covers(page, offset, Short.BYTES)) {
      return s.region.get(MappedPage.SHORT, s.at(page, offset));
    }
    return slowPath(page).getShort(offset);
  }

  /**
   * Reads one byte.
   *
   * @param page the page's index
   * @param offset the byte's offset in the page
   * @return the byte
   * @throws PageOutOfBoundsException when the page is at or past the page count
   * @throws ReservedPageException when the page is the superblock or a metadata page
   * @throws IndexOutOfBoundsException when the offset does not lie inside the page
   * @throws IllegalStateException when the pager is closed
   */
  public byte getByte(long page, long offset) {
    Span s = span;
    if (s.covers(page, offset, Byte.BYTES)) {
      return s.region.get(ValueLayout.JAVA_BYTE, s.at(page, offset));
    }
    return slowPath(page).getByte(offset);
  }

  /**
   * Copies bytes out of a page.
   *
   * @param page the page's index
   * @param offset where in the page to start
   * @param into the destination
   * @param intoOffset where in {@code into} to start
   * @param length how many bytes
   * @throws PageOutOfBoundsException when the page is at or past the page count
   * @throws ReservedPageException when the page is the superblock or a metadata page
   * @throws IndexOutOfBoundsException when the range does not lie inside the page or {@code into}
   * @throws IllegalStateException when the pager is closed
   */
  public void read(long page, long offset, byte[] into, int intoOffset, int length) {
    Objects.checkFromIndexSize(intoOffset, length, into.length);
    Span s = span;
    if (length >= 0 && s.covers(page, offset, length)) {
      MemorySegment.copy(s.region, ValueLayout.JAVA_BYTE, s.at(page, offset), into, intoOffset, length);
      return;
    }
    slowPath(page).read(offset, into, intoOffset, length);
  }

  /**
   * The size of the pages this reader reads.
   *
   * @return the page size in bytes
   */
  public int pageSize() {
    return 1 << span.pageShift;
  }

  /**
   * Takes a new span from the pager (which refuses a closed pager), and returns the page's view
   * through the pager's own checks, which throw the exception that names what is wrong.
   */
  private MappedPage slowPath(long page) {
    span = pager.readerSpan();
    return pager.pageForReading(page);
  }

  @Override
  public String toString() {
    return "PageReader[" + pager + ", " + span.pages + " pages in its span]";
  }

  /**
   * Pages {@code [3, pages)}, all in {@code region}, the mapping of the file from byte 0.
   *
   * @param region the file's first mapped region
   * @param pages the pages a read may use without asking the pager: the page count when the
   *     span was taken, or fewer when the first region ends before it
   * @param pageShift log2 of the page size
   */
  record Span(MemorySegment region, long pages, int pageShift) {
    /** Whether {@code bytes} bytes at {@code offset} of {@code page} lie in this span. */
    boolean covers(long page, long offset, int bytes) {
      // One unsigned comparison each: a negative page or offset wraps to a huge value and fails.
      return Long.compareUnsigned(page - Format.FIRST_DATA_PAGE, pages - Format.FIRST_DATA_PAGE) < 0
          && Long.compareUnsigned(offset, (1L << pageShift) - bytes) <= 0;
    }

    /** The byte offset of {@code offset} in {@code page}, in the region. */
    long at(long page, long offset) {
      return (page << pageShift) + offset;
    }
  }
}
