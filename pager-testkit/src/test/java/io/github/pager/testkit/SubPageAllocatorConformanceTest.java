package io.github.pager.testkit;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.PageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import org.junit.jupiter.api.Nested;

/**
 * Sub-pages pass the allocator conformance tests at the smallest size (64 sub-pages per 4 KiB
 * page), at half a page, and in small pages under a base slot other than 0.
 */
class SubPageAllocatorConformanceTest {

  @Nested
  class Of64Bytes extends PageAllocatorConformanceTest<SubPageId, SubPageAllocator> {
    @Override
    protected SubPageAllocator openAllocator(Pager pager) throws PageFileException {
      return SubPageAllocator.open(pager, 0, 64);
    }

    @Override
    protected boolean isBulk() {
      return true;
    }
  }

  @Nested
  class Of2048Bytes extends PageAllocatorConformanceTest<SubPageId, SubPageAllocator> {
    @Override
    protected SubPageAllocator openAllocator(Pager pager) throws PageFileException {
      return SubPageAllocator.open(pager, 0, 2048);
    }

    @Override
    protected boolean isBulk() {
      return true;
    }
  }

  @Nested
  class Of256BytesIn1KiBPagesAtSlot7 extends PageAllocatorConformanceTest<SubPageId, SubPageAllocator> {
    @Override
    protected SubPageAllocator openAllocator(Pager pager) throws PageFileException {
      return SubPageAllocator.open(pager, 7, 256);
    }

    @Override
    protected boolean isBulk() {
      return true;
    }

    @Override
    protected PagerOptions pagerOptions() {
      return super.pagerOptions().withPageSize(1024);
    }
  }
}
