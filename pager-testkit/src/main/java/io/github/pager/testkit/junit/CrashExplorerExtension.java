package io.github.pager.testkit.junit;

import io.github.pager.testkit.SimulatedStorage;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit Jupiter extension behind {@link CrashTest}: resolves {@link CrashRunner} and {@link
 * SimulatedStorage} parameters. A storage is closed when the test ends, through JUnit's store,
 * so a test that forgets to close its pager leaks nothing (on JUnit 5.13 and later, which close
 * the store's {@code AutoCloseable} values; earlier versions leave that to the pager's close).
 */
public final class CrashExplorerExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CrashExplorerExtension.class);

  /** Called by JUnit. */
  public CrashExplorerExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == CrashRunner.class || type == SimulatedStorage.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (parameter.getParameter().getType() == SimulatedStorage.class) {
      SimulatedStorage storage = SimulatedStorage.builder().name(context.getDisplayName()).build();
      context.getStore(NAMESPACE).put(storage, (AutoCloseable) storage::close);
      return storage;
    }
    int images = context.getTestMethod().map(m -> m.getAnnotation(CrashTest.class)).map(CrashTest::randomImages).orElse(-1);
    String name = context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName();
    return new CrashRunner(name, images);
  }
}
