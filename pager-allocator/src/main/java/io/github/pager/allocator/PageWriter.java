package io.github.pager.allocator;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A write in progress to one handle's bytes.
 *
 * <pre>{@code
 * try (PageWriter writer = handle.write(allocator)) {
 *   writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
 *   writer.commit();
 * }
 * }</pre>
 *
 * <p>What commit and close mean depends on the kind of page: a regular page or sub-page is
 * written in place, so its bytes change at once and {@link #commit()} makes them durable; a
 * protected page is written to a staging copy that {@link #commit()} makes current atomically,
 * and closing it uncommitted discards the write.
 */
public interface PageWriter extends AutoCloseable {

  /**
   * Returns the bytes to write into.
   *
   * @return a writable segment of the handle's size
   */
  MemorySegment segment();

  /**
   * Makes the write durable (and, for kinds that stage writes, current).
   *
   * @throws IOException when the write cannot be made durable
   */
  void commit() throws IOException;

  /** Ends the write; an uncommitted write is discarded where the kind of page allows it. */
  @Override
  void close();
}
