package io.github.pager.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A view of one page, straight over the file's mapping: reads and writes touch the page cache,
 * with no copy.
 *
 * <p>Multi-byte values are little-endian, whatever the machine, so a file moves between
 * machines unchanged. Offsets are bytes from the start of the page; an access past its end
 * throws {@link IndexOutOfBoundsException}.
 *
 * <p>A view stays valid while its pager is open, across any growth of the file. After the pager
 * is closed every access throws {@link IllegalStateException}. Writes are not durable until the
 * next commit or {@link Pager#sync()}; a view of a read-only pager refuses writes with {@link
 * ReadOnlyPagerException}. Views are not synchronized: coordinate threads that write the
 * same page.
 *
 * <p>A page the disk cannot read (a latent sector error) faults on every access, read or write:
 * the JVM raises {@link InternalError} ("a fault occurred in an unsafe memory access
 * operation"), and this view passes it on as it comes. In code the JIT's C2 compiler has
 * compiled, the JVM raises it late, at the thread's next safepoint poll, after the faulting load
 * returned an unspecified value. Translating it at each access would cost a native call per
 * access; the pager does so only for its own pages ({@link UnreadablePageException}). Computing a
 * {@code CRC32C} over {@link #segment()}'s direct buffer on such a page is a fatal JVM error:
 * checksum a copy ({@link #toByteArray()}). See FORMAT.md, "Recovery".
 */
public final class MappedPage {
  /** The file's byte order for 16-bit values, any alignment; {@link PageReader} reads with it too. */
  static final ValueLayout.OfShort SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  /** The file's byte order for 32-bit values, any alignment. */
  static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  /** The file's byte order for 64-bit values, any alignment. */
  static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final PageId id;
  private final MemorySegment segment;

  MappedPage(PageId id, MemorySegment segment) {
    this.id = id;
    this.segment = segment;
  }

  private MemorySegment writable() {
    if (segment.isReadOnly()) {
      throw new ReadOnlyPagerException("page " + id.index() + " belongs to a read-only pager");
    }
    return segment;
  }

  /**
   * Returns the handle of the page this view shows.
   *
   * @return the page's handle
   */
  public PageId id() {
    return id;
  }

  /**
   * Returns the page size in bytes.
   *
   * @return the size of this view
   */
  public int size() {
    return (int) segment.byteSize();
  }

  /**
   * Returns the page's memory itself, for code that works on segments directly. It has the
   * same lifetime as this view.
   *
   * @return a segment of exactly {@link #size()} bytes
   */
  public MemorySegment segment() {
    return segment;
  }

  /**
   * Reads one byte.
   *
   * @param offset the byte's offset in the page
   * @return the byte
   */
  public byte getByte(long offset) {
    return segment.get(ValueLayout.JAVA_BYTE, offset);
  }

  /**
   * Writes one byte.
   *
   * @param offset the byte's offset in the page
   * @param value the byte
   */
  public void putByte(long offset, byte value) {
    writable().set(ValueLayout.JAVA_BYTE, offset, value);
  }

  /**
   * Reads a little-endian 16-bit value.
   *
   * @param offset the value's offset in the page, any alignment
   * @return the value
   */
  public short getShort(long offset) {
    return segment.get(SHORT, offset);
  }

  /**
   * Writes a little-endian 16-bit value.
   *
   * @param offset the value's offset in the page, any alignment
   * @param value the value
   */
  public void putShort(long offset, short value) {
    writable().set(SHORT, offset, value);
  }

  /**
   * Reads a little-endian 32-bit value.
   *
   * @param offset the value's offset in the page, any alignment
   * @return the value
   */
  public int getInt(long offset) {
    return segment.get(INT, offset);
  }

  /**
   * Writes a little-endian 32-bit value.
   *
   * @param offset the value's offset in the page, any alignment
   * @param value the value
   */
  public void putInt(long offset, int value) {
    writable().set(INT, offset, value);
  }

  /**
   * Reads a little-endian 64-bit value.
   *
   * @param offset the value's offset in the page, any alignment
   * @return the value
   */
  public long getLong(long offset) {
    return segment.get(LONG, offset);
  }

  /**
   * Writes a little-endian 64-bit value.
   *
   * @param offset the value's offset in the page, any alignment
   * @param value the value
   */
  public void putLong(long offset, long value) {
    writable().set(LONG, offset, value);
  }

  /**
   * Copies bytes out of the page.
   *
   * @param offset where in the page to start
   * @param target the array to fill
   * @param targetOffset where in the array to start
   * @param length how many bytes
   */
  public void read(long offset, byte[] target, int targetOffset, int length) {
    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, target, targetOffset, length);
  }

  /**
   * Copies bytes into the page.
   *
   * @param offset where in the page to start
   * @param source the bytes to write
   * @param sourceOffset where in the array to start
   * @param length how many bytes
   */
  public void write(long offset, byte[] source, int sourceOffset, int length) {
    MemorySegment.copy(source, sourceOffset, writable(), ValueLayout.JAVA_BYTE, offset, length);
  }

  /**
   * Copies bytes from this page into another page (of this pager or another), with no array in
   * between; the two ranges may overlap when both are in this page.
   *
   * @param offset where in this page to start
   * @param target the page to write
   * @param targetOffset where in {@code target} to start
   * @param length how many bytes
   * @throws ReadOnlyPagerException when {@code target} belongs to a read-only pager
   */
  public void copyTo(long offset, MappedPage target, long targetOffset, long length) {
    MemorySegment.copy(segment, offset, target.writable(), targetOffset, length);
  }

  /**
   * Returns a copy of the whole page.
   *
   * @return a new array of {@link #size()} bytes
   */
  public byte[] toByteArray() {
    return segment.toArray(ValueLayout.JAVA_BYTE);
  }

  /**
   * Sets every byte of the page.
   *
   * @param value the byte to write everywhere
   */
  public void fill(byte value) {
    writable().fill(value);
  }

  @Override
  public String toString() {
    return "MappedPage[" + id.index() + ", " + size() + " bytes]";
  }
}
