package io.github.pager.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The one place where the pager copies its own pages between the file's mapping and the heap,
 * turning a page the storage cannot read into {@link UnreadablePageException} naming the page.
 *
 * <p>Why a class of its own: a mapped page whose disk block cannot be read (or that lies past the
 * end of a file cut short) raises {@code SIGBUS} on access, and the JVM does not turn that into an
 * exception at the access in all cases. Checked on Temurin 25.0.3 (Linux x86-64), by truncating a
 * file under a live {@code FileChannel.map(..., Arena)} segment:
 *
 * <ul>
 *   <li>Interpreted and C1-compiled code throw {@code InternalError("a fault occurred in an unsafe
 *       memory access operation")} at the access, and the JVM stays fine.
 *   <li>C2-compiled code does not: the faulting load or copy is skipped (a load yields an
 *       unspecified value) and the same error is raised asynchronously at the thread's next
 *       safepoint poll, which may lie after the {@code try} around the access, even in the caller.
 *       A {@code catch} around the access alone therefore misses it once the code is hot.
 *   <li>A call into native code delivers the pending error when it returns, inside the {@code try}:
 *       each copy here is followed by one ({@link Thread#holdsLock}), about 25 ns, which the pager
 *       pays only for its own pages, already copied and checksummed whole.
 *   <li>{@code CRC32C.update} over a direct buffer of such a page crashes the JVM (SIGBUS in the
 *       CRC stub, a fatal error): the pager therefore checksums only heap copies, never the mapping.
 * </ul>
 */
final class PageFaults {
  /** Nothing holds it: {@link Thread#holdsLock} on it is only a cheap trip into native code. */
  private static final Object NATIVE_CALL = new Object();

  private PageFaults() {}

  /**
   * Copies {@code length} bytes of a mapped page into {@code into}.
   *
   * @param page the page's index, for the exception
   * @param what what the page should hold, for the exception
   * @throws UnreadablePageException when the storage fails the access
   */
  static void read(MemorySegment mapped, long offset, byte[] into, int length, String resource, long page, String what)
      throws UnreadablePageException {
    try {
      MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, offset, into, 0, length);
      deliverPendingFault();
    } catch (InternalError e) {
      throw UnreadablePageException.of(resource, page, what, e);
    }
  }

  /** Copies a whole mapped page into another segment (a copy's buffer); see {@link #read}. */
  static void read(MemorySegment mapped, MemorySegment into, String resource, long page, String what)
      throws UnreadablePageException {
    try {
      MemorySegment.copy(mapped, 0, into, 0, into.byteSize());
      deliverPendingFault();
    } catch (InternalError e) {
      throw UnreadablePageException.of(resource, page, what, e);
    }
  }

  /**
   * Stores {@code bytes} at the start of a mapped page. A store faults too: the kernel must read a
   * page that is not cached before a store into it can complete.
   *
   * @throws UnreadablePageException when the storage fails the access; bytes before the failing
   *     OS page may have been stored, none after it
   */
  static void write(byte[] bytes, MemorySegment mapped, String resource, long page, String what)
      throws UnreadablePageException {
    write(MemorySegment.ofArray(bytes), mapped, resource, page, what);
  }

  /** Stores a segment's bytes at the start of a mapped page; see {@link #write(byte[], MemorySegment, String, long, String)}. */
  static void write(MemorySegment bytes, MemorySegment mapped, String resource, long page, String what)
      throws UnreadablePageException {
    try {
      MemorySegment.copy(bytes, 0, mapped, 0, bytes.byteSize());
      deliverPendingFault();
    } catch (InternalError e) {
      throw UnreadablePageException.of(resource, page, what, e);
    }
  }

  /**
   * Makes the JVM raise, here, a fault that C2-compiled code left pending: returning from native
   * code runs the thread's pending asynchronous exceptions. See the class comment.
   */
  private static void deliverPendingFault() {
    if (Thread.holdsLock(NATIVE_CALL)) {
      throw new AssertionError("nothing ever locks NATIVE_CALL");
    }
  }
}
