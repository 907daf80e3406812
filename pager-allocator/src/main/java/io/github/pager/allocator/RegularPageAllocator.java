package io.github.pager.allocator;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Whole pages of a {@link Pager}, behind the generic allocator interfaces: each call is one
 * commit of the pager.
 */
public final class RegularPageAllocator implements BulkPageAllocator<RegularPage> {
  private final Pager pager;

  /**
   * Wraps a pager; the pager stays the caller's to close.
   *
   * @param pager the pager whose pages to hand out
   */
  public RegularPageAllocator(Pager pager) {
    this.pager = pager;
  }

  Pager pager() {
    return pager;
  }

  @Override
  public RegularPage alloc() throws IOException {
    return new RegularPage(this, pager.alloc());
  }

  @Override
  public void free(RegularPage handle) throws IOException {
    handle.checkOwner(this);
    pager.free(handle.id());
  }

  @Override
  public List<RegularPage> allocBulk(int count) throws IOException {
    List<RegularPage> pages = new ArrayList<>(count);
    for (PageId id : pager.allocBulk(count)) {
      pages.add(new RegularPage(this, id));
    }
    return pages;
  }

  @Override
  public void freeBulk(Collection<RegularPage> handles) throws IOException {
    List<PageId> ids = new ArrayList<>(handles.size());
    for (RegularPage handle : handles) {
      handle.checkOwner(this);
      ids.add(handle.id());
    }
    pager.freeBulk(ids);
  }

  @Override
  public RegularPage handle(long value) throws IOException {
    PageId id = pager.pageId(value);
    if (!pager.isAllocated(id)) {
      throw new IllegalArgumentException("page " + value + " of " + pager.describe() + " is not allocated");
    }
    return new RegularPage(this, id);
  }

  @Override
  public int pageSize() {
    return pager.pageSize();
  }

  @Override
  public String toString() {
    return "RegularPageAllocator[" + pager.describe() + "]";
  }
}
