package io.github.pager.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.RootClaimConflictException;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sub-page allocators opened by name: two of them never share root slots. */
class SubPageAllocatorByNameTest {
  @TempDir Path dir;

  @Test
  void twoNamedAllocatorsClaimSeparateSlotsThatAReopenFinds() throws IOException {
    Path path = dir.resolve("named.pages");
    long small;
    long large;
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      SubPageAllocator smallRecords = SubPageAllocator.open(pager, "small", 128);
      SubPageAllocator largeRecords = SubPageAllocator.open(pager, "large", 1024);
      small = smallRecords.alloc().value();
      large = largeRecords.alloc().value();
      assertThat(RootCatalog.of(pager).claims()).containsExactly(
          new RootClaim("small", SubPageAllocator.KIND, 0, 5), new RootClaim("large", SubPageAllocator.KIND, 5, 5),
          RootCatalog.SELF);
    }
    try (Pager pager = Pager.open(path)) {
      SubPageAllocator smallRecords = SubPageAllocator.open(pager, "small", 128);
      assertThat(smallRecords.handle(small).value()).isEqualTo(small);
      assertThat(SubPageAllocator.open(pager, "large", 1024).handle(large).value()).isEqualTo(large);
      assertThat(smallRecords.verify()).isEmpty();
      // Another structure at fixed slots over a named allocator's is refused, opening or writing.
      assertThatThrownBy(() -> SubPageAllocator.open(pager, 3, 256)).isInstanceOf(RootClaimConflictException.class);
      SubPageAllocator early = SubPageAllocator.open(pager, 20, 256);
      try (Transaction tx = pager.begin()) {
        RootCatalog.claimAt(tx, "late", "other", 24, 1);
        tx.commit();
      }
      assertThatThrownBy(early::alloc).isInstanceOf(RootClaimConflictException.class);
      assertThat(pager.root(20)).isZero();
      // Nor can a bare transaction overwrite a named allocator's configuration.
      long config = pager.root(0);
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.setRoot(0, 0))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("\"small\" (" + SubPageAllocator.KIND + ", slots 0-4)");
      }
      assertThat(pager.root(0)).isEqualTo(config);
    }
    // An allocator opened at exactly its claimed slots is the named one, and writes through the claim.
    Path fresh = dir.resolve("fresh.pages");
    try (Pager pager = Pager.create(fresh, PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        RootCatalog.claimAt(tx, "records", SubPageAllocator.KIND, 10, 5);
        tx.commit();
      }
      SubPageAllocator atSlots = SubPageAllocator.open(pager, 10, 256);
      long value = atSlots.alloc().value();
      assertThat(SubPageAllocator.open(pager, "records", 256).handle(value).value()).isEqualTo(value);
      assertThat(SubPageAllocator.storedSubPageSize(pager, 10)).hasValue(256);
    }
  }
}
