package io.github.pager.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Makes a range of the simulated page cache fault on every access, as a mapped page of a real
 * file does when the disk cannot read it: the JVM sees {@code SIGBUS} and raises {@link
 * InternalError}, exactly as for a real file, because it is one.
 *
 * <p>How: an empty {@code memfd} is mapped over the range ({@code mmap} with {@code MAP_FIXED});
 * every byte of it lies past the end of that file, so the kernel answers any load or store with
 * {@code SIGBUS}, as it does for a real latent sector error ({@code EIO} on the page-in) or for
 * a file cut short under its mapping. {@link #restore} maps fresh zeroed memory back before the
 * range is freed. Linux only: elsewhere {@link #make} throws {@link UnsupportedOperationException}.
 *
 * <p>Calls into libc through the FFM linker: run with {@code
 * --enable-native-access=io.github.pager.testkit} (or {@code ALL-UNNAMED} on the class path) to
 * keep the JDK from warning about it.
 */
final class UnreadableMemory {
  private static final int PROT_READ_WRITE = 0x1 | 0x2;
  private static final int MAP_SHARED = 0x01;
  private static final int MAP_PRIVATE = 0x02;
  private static final int MAP_FIXED = 0x10;
  private static final int MAP_ANONYMOUS = 0x20;
  private static final int MFD_CLOEXEC = 0x1;

  /** The unit the kernel maps in: 4 KiB on the x86-64 and common aarch64 Linux kernels. */
  static final int MACHINE_PAGE = 4096;

  private UnreadableMemory() {}

  /** The libc functions, bound on first use so that no other simulation needs native access. */
  private static final class Libc {
    static final MethodHandle MMAP;
    static final MethodHandle MEMFD_CREATE;
    static final MethodHandle CLOSE;

    static {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      MMAP = linker.downcallHandle(
          libc.find("mmap").orElseThrow(),
          FunctionDescriptor.of(
              ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
      MEMFD_CREATE = linker.downcallHandle(
          libc.find("memfd_create").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
      CLOSE = linker.downcallHandle(
          libc.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
  }

  /**
   * Makes every access to {@code range} fault from now on; its bytes are gone.
   *
   * @param range whole machine pages of memory this simulation owns
   */
  static void make(MemorySegment range) {
    requireLinux();
    requirePages(range);
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) Libc.MEMFD_CREATE.invokeExact(arena.allocateFrom("pager-unreadable"), MFD_CLOEXEC);
      if (fd < 0) {
        throw new IllegalStateException("memfd_create failed");
      }
      try {
        map(range, MAP_SHARED | MAP_FIXED, fd);
      } finally {
        int closed = (int) Libc.CLOSE.invokeExact(fd);
        if (closed != 0) {
          throw new IllegalStateException("close of a memfd failed");
        }
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Makes {@code range} ordinary memory again, reading as zeros. */
  static void restore(MemorySegment range) {
    requirePages(range);
    try {
      map(range, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static void map(MemorySegment range, int flags, int fd) throws Throwable {
    MemorySegment at = MemorySegment.ofAddress(range.address());
    MemorySegment result = (MemorySegment) Libc.MMAP.invokeExact(at, range.byteSize(), PROT_READ_WRITE, flags, fd, 0L);
    if (result.address() != range.address()) {
      throw new IllegalStateException("mmap over [" + range.address() + ", +" + range.byteSize() + ") failed");
    }
  }

  private static void requirePages(MemorySegment range) {
    if (range.address() % MACHINE_PAGE != 0 || range.byteSize() % MACHINE_PAGE != 0 || range.byteSize() == 0) {
      throw new IllegalArgumentException("an unreadable range must be whole pages of " + MACHINE_PAGE + " bytes");
    }
  }

  private static void requireLinux() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      throw new UnsupportedOperationException(
          "unreadable pages are simulated with mmap over the page cache, on Linux only; this is "
              + System.getProperty("os.name"));
    }
  }
}
