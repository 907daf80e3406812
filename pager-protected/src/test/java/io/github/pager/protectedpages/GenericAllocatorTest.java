package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.allocator.BulkPageAllocator;
import io.github.pager.allocator.PageHandle;
import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.RegularPageAllocator;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One generic routine, written once against the allocator interfaces, drives every kind of page
 * this project has: regular pages, sub-pages and protected pages. It lives here because this is
 * the module that sees all three.
 */
class GenericAllocatorTest {
  @TempDir Path dir;

  /** Stores values in fresh pages, frees every other one, and reads the rest back. */
  static <H extends PageHandle<A>, A extends BulkPageAllocator<H>> List<Long> churn(A allocator, int count)
      throws IOException {
    List<H> handles = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      H handle = allocator.alloc();
      try (PageWriter writer = handle.write(allocator)) {
        writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1000L + i);
        writer.segment().set(ValueLayout.JAVA_BYTE, allocator.pageSize() - 1, (byte) i);
        writer.commit();
      }
      handles.add(handle);
    }
    List<H> odd = new ArrayList<>();
    for (int i = 1; i < count; i += 2) {
      odd.add(handles.get(i));
    }
    allocator.freeBulk(odd);
    List<Long> read = new ArrayList<>();
    for (int i = 0; i < count; i += 2) {
      H again = allocator.handle(handles.get(i).value());
      assertThat(again.read(allocator).get(ValueLayout.JAVA_BYTE, allocator.pageSize() - 1)).isEqualTo((byte) i);
      read.add(again.read(allocator).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
    }
    return read;
  }

  @Test
  void theSameRoutineRunsOnEveryKindOfPage() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("generic.db"), PagerOptions.defaults())) {
      List<Long> expected = List.of(1000L, 1002L, 1004L, 1006L, 1008L);
      assertThat(churn(new RegularPageAllocator(pager), 10)).isEqualTo(expected);
      assertThat(churn(SubPageAllocator.open(pager, 0, 128), 10)).isEqualTo(expected);
      assertThat(churn(SubPageAllocator.open(pager, 5, 2048), 10)).isEqualTo(expected);
      assertThat(churn(ProtectedPageAllocator.open(pager, 10), 10)).isEqualTo(expected);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }
}
