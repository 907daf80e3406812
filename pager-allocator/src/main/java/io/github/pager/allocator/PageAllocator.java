package io.github.pager.allocator;

import java.io.IOException;

/**
 * Hands out and takes back pages of one kind, each change durable when the call returns.
 *
 * <p>Code written against this interface runs unchanged on regular pages, sub-pages and
 * protected pages:
 *
 * <pre>{@code
 * static <H extends PageHandle<A>, A extends PageAllocator<H>> H store(A allocator, long value)
 *     throws IOException {
 *   H handle = allocator.alloc();
 *   try (PageWriter writer = handle.write(allocator)) {
 *     writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
 *     writer.commit();
 *   }
 *   return handle;
 * }
 * }</pre>
 *
 * @param <H> the handle type this allocator makes
 */
public interface PageAllocator<H> {

  /**
   * Allocates one page.
   *
   * @return its handle
   * @throws IOException when the allocation cannot be committed
   */
  H alloc() throws IOException;

  /**
   * Frees a page.
   *
   * @param handle a handle this allocator made and has not freed
   * @throws ForeignHandleException when another allocator made the handle
   * @throws io.github.pager.core.DoubleFreeException when the page is already free
   * @throws IOException when the change cannot be committed
   */
  void free(H handle) throws IOException;

  /**
   * Turns a handle's {@link PageHandle#value()} back into a handle, after a reopen for example.
   *
   * @param value a value from a live handle of this allocator (or of an earlier opening of it)
   * @return the handle
   * @throws IllegalArgumentException when no live page of this allocator has that value
   * @throws IOException when the allocator's state cannot be read
   */
  H handle(long value) throws IOException;

  /**
   * Returns the size in bytes of every page this allocator hands out.
   *
   * @return the size
   */
  int pageSize();
}
