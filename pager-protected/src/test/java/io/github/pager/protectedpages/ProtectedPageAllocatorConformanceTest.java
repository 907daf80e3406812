package io.github.pager.protectedpages;

import io.github.pager.core.Pager;
import io.github.pager.testkit.PageAllocatorConformanceTest;
import java.io.IOException;

/** Protected pages pass the allocator conformance tests of pager-testkit. */
class ProtectedPageAllocatorConformanceTest
    extends PageAllocatorConformanceTest<ProtectedPageId, ProtectedPageAllocator> {

  @Override
  protected ProtectedPageAllocator openAllocator(Pager pager) throws IOException {
    return ProtectedPageAllocator.open(pager, 3);
  }

  @Override
  protected boolean isBulk() {
    return true;
  }
}
