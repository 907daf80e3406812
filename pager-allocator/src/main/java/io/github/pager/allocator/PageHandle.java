package io.github.pager.allocator;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A handle to one allocated page, or part of a page, made by an allocator of type {@code A}.
 *
 * <p>A handle reads and writes its bytes only through the allocator that made it: passing any
 * other allocator (another file, another page size, another sub-page size) raises {@link
 * ForeignHandleException} instead of touching someone else's page. Writing goes through a {@link
 * PageWriter}, whose {@code commit()} does what the kind of page needs: a regular page is
 * written in place and synced, a protected page is committed atomically.
 *
 * @param <A> the allocator type that makes and understands this handle
 */
public interface PageHandle<A> {

  /**
   * Returns the handle's value, which {@code A} can turn back into a handle after a reopen.
   *
   * @return a value unique among the live handles of one allocator
   */
  long value();

  /**
   * Returns the handle's bytes for reading.
   *
   * @param allocator the allocator that made this handle
   * @return a read-only segment of the handle's size, valid while the pager is open
   * @throws ForeignHandleException when {@code allocator} did not make this handle
   * @throws IOException when the bytes cannot be read (for example, a checksum fails)
   */
  MemorySegment read(A allocator) throws IOException;

  /**
   * Opens the handle's bytes for writing.
   *
   * @param allocator the allocator that made this handle
   * @return a writer; commit it to make the write durable, close it in any case
   * @throws ForeignHandleException when {@code allocator} did not make this handle
   * @throws IOException when the writer cannot be opened
   */
  PageWriter write(A allocator) throws IOException;
}
