package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.PageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.RootClaimConflictException;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protected pages opened by name: their slots claimed in the root catalog, and kept from others. */
class ProtectedByNameTest {
  @TempDir Path dir;

  @Test
  void protectedPagesOpenedByNameClaimFreeSlotsAndAReopenFindsThem() throws IOException {
    Path path = dir.resolve("named.pages");
    ProtectedPageId id;
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 99); // something at fixed slot 0, without a claim
        tx.commit();
      }
      ProtectedPageAllocator sessions = ProtectedPageAllocator.open(pager, "sessions");
      assertThat(sessions.directorySlot()).as("slots 1-5, clear of slot 0").isEqualTo(2);
      id = sessions.alloc();
      try (ProtectedPageWriter writer = sessions.write(id)) {
        writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
        writer.commit();
      }
      assertThat(RootCatalog.of(pager).find("sessions"))
          .contains(new RootClaim("sessions", ProtectedPageAllocator.KIND, 1, ProtectedPageAllocator.ROOT_SLOTS_USED));
      // Their configuration, written through the claim, is kept from a bare transaction.
      long config = pager.root(1);
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.setRoot(1, 0))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("root slot 1 is claimed by \"sessions\" (" + ProtectedPageAllocator.KIND);
        tx.setRoot(0, 100); // slot 0 has no claim
        tx.commit();
      }
      assertThat(pager.root(1)).isEqualTo(config);
    }
    try (Pager pager = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
      ProtectedPageAllocator sessions = ProtectedPageAllocator.open(pager, "sessions");
      assertThat(sessions.directorySlot()).isEqualTo(2);
      assertThat(sessions.allocatedIds()).hasSize(1);
      assertThatThrownBy(() -> ProtectedPageAllocator.open(pager, "never-claimed"))
          .isInstanceOf(PageFileException.class)
          .hasMessageContaining("a read-only pager cannot claim them");
    }
  }

  @Test
  void fixedSlotsThatAnotherStructureClaimedAreRefused() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("taken.pages"), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        RootCatalog.claimAt(tx, "index", "my-index", 6, 2);
        tx.commit();
      }
      assertThatThrownBy(() -> ProtectedPageAllocator.open(pager, 4))
          .isInstanceOf(RootClaimConflictException.class)
          .hasMessageContaining("root slots 4-8 are claimed by \"index\" (my-index, slots 6-7)");
      // Opened before a claim covered its slots: refused at its first allocation, nothing written.
      ProtectedPageAllocator early = ProtectedPageAllocator.open(pager, 10);
      try (Transaction tx = pager.begin()) {
        RootCatalog.claimAt(tx, "late", "my-index", 12, 1);
        tx.commit();
      }
      assertThatThrownBy(early::alloc).isInstanceOf(RootClaimConflictException.class);
      assertThat(pager.root(10)).isZero();
      // The name claimed as another kind is refused too.
      assertThatThrownBy(() -> ProtectedPageAllocator.open(pager, "index"))
          .isInstanceOf(RootClaimConflictException.class);
    }
  }
}
