/*
 * DynamoDB Local, as its own main class (ServerRunner) starts it, but
 *
 *  - listening on 127.0.0.1 only: DynamoDB Local has no bind option and builds its Jetty server
 *    with `new Server(port)`, which listens on every interface, where anyone on the network could
 *    read and write the tables (it checks no signature). Its Jetty connector takes a host until it
 *    is started, so we set it between construction and start;
 *
 *  - exiting when its standard input reaches end of file: the parent holds the other end of that
 *    pipe, and the kernel closes it however the parent dies (kill -9 included), on Linux and
 *    macOS alike. A JVM in its own process group would otherwise outlive the parent and keep the
 *    data directory busy.
 *
 * Reflection only, so that this file compiles against the JDK alone, and the compiled class is
 * committed next to it: a machine with only a JRE (no javac) can run it. After editing, rebuild
 * with the same Java that DynamoDB Local needs (17):
 *
 *   javac --release 17 -d lambdas/local/emulators/java lambdas/local/emulators/java/LoopbackDynamoDbLocal.java
 *
 * Run as: java -cp <this dir>:<DynamoDBLocal.jar> LoopbackDynamoDbLocal <DynamoDB Local's flags>
 */
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;

public final class LoopbackDynamoDbLocal {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) {
    try {
      exitWhenStdinCloses();
      Object proxyServer = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner")
          .getMethod("createServerFromCommandLineArgs", String[].class)
          .invoke(null, (Object) args);
      bindToLoopback(proxyServer);
      proxyServer.getClass().getMethod("start").invoke(proxyServer);
    } catch (Throwable e) {
      Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
      cause.printStackTrace();
      // Jetty's threads are not daemons: without this, a failed start would leave the JVM running.
      System.exit(1);
    }
  }

  /** Sets the host of every connector of DynamoDBProxyServer's (private) Jetty server. */
  private static void bindToLoopback(Object proxyServer) throws ReflectiveOperationException {
    Field field = proxyServer.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(proxyServer);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local's Jetty server has no connector to bind");
    for (Object connector : connectors) {
      // A connector without setHost (not a network connector) would fail here: loudly, not open.
      connector.getClass().getMethod("setHost", String.class).invoke(connector, HOST);
    }
  }

  private static void exitWhenStdinCloses() {
    Thread watchdog = new Thread(() -> {
      InputStream in = System.in;
      byte[] buffer = new byte[256];
      try {
        while (in.read(buffer) != -1) {
          // The parent writes nothing; anything it does write is ignored.
        }
      } catch (IOException e) {
        // A broken pipe means the same as end of file: the parent is gone.
      }
      System.exit(0);
    }, "exit-when-parent-dies");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
