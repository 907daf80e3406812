package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.allocator.BulkPageAllocator;
import io.github.pager.allocator.ForeignHandleException;
import io.github.pager.allocator.PageHandle;
import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.RegularPage;
import io.github.pager.allocator.RegularPageAllocator;
import io.github.pager.core.Pager;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance tests bite: an allocator whose bulk free is not atomic fails the test written
 * for that property, and the same allocator without the flaw passes it.
 */
class ConformanceTestCatchesBugsTest {
  @TempDir Path dir;

  enum Flaw {
    NONE,
    NON_ATOMIC_BULK_FREE
  }

  /** Whole pages handed out through a flawed wrapper of {@link RegularPageAllocator}. */
  static final class Flawed implements BulkPageAllocator<Flawed.Handle> {
    final RegularPageAllocator inner;
    final Pager pager;
    final Flaw flaw;

    Flawed(Pager pager, Flaw flaw) {
      this.pager = pager;
      this.inner = new RegularPageAllocator(pager);
      this.flaw = flaw;
    }

    record Handle(Flawed owner, RegularPage page) implements PageHandle<Flawed> {
      @Override
      public long value() {
        return page.value();
      }

      @Override
      public MemorySegment read(Flawed allocator) {
        return bytes(allocator).asReadOnly();
      }

      @Override
      public PageWriter write(Flawed allocator) {
        MemorySegment bytes = bytes(allocator);
        return new PageWriter() {
          @Override
          public MemorySegment segment() {
            return bytes;
          }

          @Override
          public void commit() {}

          @Override
          public void close() {}
        };
      }

      private MemorySegment bytes(Flawed allocator) {
        if (allocator != owner) {
          throw new ForeignHandleException(this + " is not of " + allocator);
        }
        return allocator.pager.page(this.page.id()).segment();
      }
    }

    @Override
    public Handle alloc() throws IOException {
      return new Handle(this, inner.alloc());
    }

    @Override
    public void free(Handle handle) throws IOException {
      check(handle);
      inner.free(handle.page());
    }

    @Override
    public List<Handle> allocBulk(int count) throws IOException {
      List<Handle> handles = new ArrayList<>();
      for (RegularPage page : inner.allocBulk(count)) {
        handles.add(new Handle(this, page));
      }
      return handles;
    }

    @Override
    public void freeBulk(Collection<Handle> handles) throws IOException {
      List<RegularPage> pages = new ArrayList<>();
      for (Handle handle : handles) {
        if (flaw == Flaw.NON_ATOMIC_BULK_FREE) {
          free(handle); // the flaw: one commit per handle, so a bad handle stops it half-way
        } else {
          check(handle);
          pages.add(handle.page());
        }
      }
      if (flaw != Flaw.NON_ATOMIC_BULK_FREE) {
        inner.freeBulk(pages);
      }
    }

    @Override
    public String toString() {
      return "Flawed[" + flaw + ", " + pager.describe() + "]";
    }

    private void check(Handle handle) {
      if (handle.owner() != this) {
        throw new ForeignHandleException(handle + " is not of " + this);
      }
    }

    @Override
    public Handle handle(long value) throws IOException {
      return new Handle(this, inner.handle(value));
    }

    @Override
    public int pageSize() {
      return pager.pageSize();
    }
  }

  static final class FlawedConformance extends PageAllocatorConformanceTest<Flawed.Handle, Flawed> {
    final Flaw flaw;

    FlawedConformance(Flaw flaw) {
      this.flaw = flaw;
    }

    @Override
    protected Flawed openAllocator(Pager pager) {
      return new Flawed(pager, flaw);
    }

    @Override
    protected boolean isBulk() {
      return true;
    }
  }

  @Test
  @SuppressWarnings("JUnitMethodInvoked") // running the base class's test on a flawed allocator is the point
  void aNonAtomicBulkFreeIsCaught() {
    FlawedConformance test = new FlawedConformance(Flaw.NON_ATOMIC_BULK_FREE);
    test.useFolder(dir);
    assertThatThrownBy(test::aBulkFreeWithOneBadHandleChangesNothing).isInstanceOf(AssertionError.class);
  }

  @Test
  @SuppressWarnings("JUnitMethodInvoked") // as above
  void anAtomicBulkFreePasses() throws IOException {
    FlawedConformance test = new FlawedConformance(Flaw.NONE);
    test.useFolder(dir);
    test.aBulkFreeWithOneBadHandleChangesNothing();
  }
}
