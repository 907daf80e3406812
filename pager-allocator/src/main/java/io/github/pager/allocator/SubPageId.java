package io.github.pager.allocator;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * One sub-page: slot {@code slot()} of parent page {@code page()}, as a {@link PageHandle} of the
 * {@link SubPageAllocator} that made it. Its {@link #value()} is {@code page * slotsPerPage +
 * slot}.
 */
public final class SubPageId implements PageHandle<SubPageAllocator> {
  private final SubPageAllocator owner;
  private final long value;

  SubPageId(SubPageAllocator owner, long value) {
    this.owner = owner;
    this.value = value;
  }

  @Override
  public long value() {
    return value;
  }

  /**
   * Returns the index of the parent page.
   *
   * @return the page index
   */
  public long page() {
    return value / owner.slotsPerPage();
  }

  /**
   * Returns the sub-page's position within its parent page.
   *
   * @return the slot, from 0 to slots per page - 1
   */
  public int slot() {
    return (int) (value % owner.slotsPerPage());
  }

  @Override
  public MemorySegment read(SubPageAllocator allocator) {
    checkOwner(allocator);
    return allocator.bytes(this).asReadOnly();
  }

  @Override
  public PageWriter write(SubPageAllocator allocator) {
    checkOwner(allocator);
    return new DirectPageWriter(allocator.pager(), allocator.bytes(this));
  }

  void checkOwner(SubPageAllocator allocator) {
    if (allocator != owner) {
      throw new ForeignHandleException(this + " was made by " + owner + ", not by " + allocator);
    }
  }

  boolean belongsTo(SubPageAllocator allocator) {
    return allocator == owner;
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof SubPageId that && that.owner == owner && that.value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  @Override
  public String toString() {
    return "SubPageId[page " + page() + ", slot " + slot() + "]";
  }
}
