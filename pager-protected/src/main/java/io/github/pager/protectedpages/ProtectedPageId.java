package io.github.pager.protectedpages;

import io.github.pager.allocator.ForeignHandleException;
import io.github.pager.allocator.PageHandle;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A protected page: a stable logical page of a {@link ProtectedPageAllocator}, backed by two
 * physical copies of which one is committed and active. Its {@link #value()} is its index in the
 * allocator's directory, unchanged by writes, and turned back into a handle after a reopen by
 * {@link ProtectedPageAllocator#handle(long)}.
 */
public final class ProtectedPageId implements PageHandle<ProtectedPageAllocator> {
  private final ProtectedPageAllocator owner;
  private final long value;

  ProtectedPageId(ProtectedPageAllocator owner, long value) {
    this.owner = owner;
    this.value = value;
  }

  /** Returns the page's index in the directory. */
  @Override
  public long value() {
    return value;
  }

  /**
   * Returns a verified copy of the page's committed content (see {@link
   * ProtectedPageAllocator#get}); later commits do not change it.
   *
   * @throws ProtectedPageCorruptException when the committed copy fails its checksum
   * @throws IllegalArgumentException when the page is not allocated
   */
  @Override
  public MemorySegment read(ProtectedPageAllocator allocator) throws IOException {
    checkOwner(allocator);
    return MemorySegment.ofArray(allocator.get(this)).asReadOnly();
  }

  /**
   * Opens a writer on the page in its own transaction (see {@link
   * ProtectedPageAllocator#write}); its commit is the atomic commit.
   */
  @Override
  public ProtectedPageWriter write(ProtectedPageAllocator allocator) throws IOException {
    checkOwner(allocator);
    return allocator.write(this);
  }

  void checkOwner(ProtectedPageAllocator allocator) {
    if (allocator != owner) {
      throw new ForeignHandleException(this + " was made by " + owner + ", not by " + allocator);
    }
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof ProtectedPageId that && that.owner == owner && that.value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  @Override
  public String toString() {
    return "ProtectedPageId[" + value + "]";
  }
}
