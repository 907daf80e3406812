package io.github.pager.testkit;

import io.github.pager.allocator.RegularPage;
import io.github.pager.allocator.RegularPageAllocator;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;

/** Whole pages pass the allocator conformance tests, under the default (syncing) durability. */
class RegularPageAllocatorConformanceTest extends PageAllocatorConformanceTest<RegularPage, RegularPageAllocator> {

  @Override
  protected RegularPageAllocator openAllocator(Pager pager) {
    return new RegularPageAllocator(pager);
  }

  @Override
  protected boolean isBulk() {
    return true;
  }

  @Override
  protected PagerOptions pagerOptions() {
    return PagerOptions.defaults();
  }
}
