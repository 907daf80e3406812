package io.github.pager.allocator;

import io.github.pager.core.PageId;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/** A whole page of the file, as a {@link PageHandle} of a {@link RegularPageAllocator}. */
public final class RegularPage implements PageHandle<RegularPageAllocator> {
  private final RegularPageAllocator owner;
  private final PageId id;

  RegularPage(RegularPageAllocator owner, PageId id) {
    this.owner = owner;
    this.id = id;
  }

  /**
   * Returns the pager's handle of this page.
   *
   * @return the page id
   */
  public PageId id() {
    return id;
  }

  /** Returns the page index. */
  @Override
  public long value() {
    return id.index();
  }

  @Override
  public MemorySegment read(RegularPageAllocator allocator) {
    checkOwner(allocator);
    return allocator.pager().page(id).segment().asReadOnly();
  }

  @Override
  public PageWriter write(RegularPageAllocator allocator) {
    checkOwner(allocator);
    return new DirectPageWriter(allocator.pager(), allocator.pager().page(id).segment());
  }

  void checkOwner(RegularPageAllocator allocator) {
    if (allocator != owner) {
      throw new ForeignHandleException(this + " was made by another allocator than " + allocator);
    }
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof RegularPage that && that.owner == owner && that.id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "RegularPage[" + id.index() + "]";
  }
}
