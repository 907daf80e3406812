package io.github.pager.allocator;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * A {@link PageAllocator} that also allocates and frees many pages in one commit: all of them,
 * or none.
 *
 * @param <H> the handle type this allocator makes
 */
public interface BulkPageAllocator<H> extends PageAllocator<H> {

  /**
   * Allocates {@code count} pages in one commit.
   *
   * @param count how many, zero or more
   * @return their handles
   * @throws IOException when the commit fails; then nothing was allocated
   */
  List<H> allocBulk(int count) throws IOException;

  /**
   * Frees several pages in one commit, checking every handle before changing anything.
   *
   * @param handles handles this allocator made and has not freed, each once
   * @throws ForeignHandleException when another allocator made one of them
   * @throws io.github.pager.core.DoubleFreeException when one is free already or listed twice
   * @throws IOException when the commit fails; then nothing was freed
   */
  void freeBulk(Collection<H> handles) throws IOException;
}
