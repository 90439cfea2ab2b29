package dev.banger.daemon.kernel;

import dev.banger.api.ApiVersion;
import dev.banger.api.PullRequest;
import dev.banger.api.RegisterKernelRequest;
import dev.banger.daemon.http.Json;
import dev.banger.daemon.http.Route;
import java.util.List;

/** The {@code /v1/kernels} routes. */
public final class KernelRoutes {
  /** Path of the kernels collection. */
  public static final String PATH = ApiVersion.PREFIX + "/kernels";

  private KernelRoutes() {}

  /** The routes over {@code kernels}. */
  public static List<Route> of(KernelService kernels) {
    return List.of(
        new Route("GET", PATH, r -> kernels.list()),
        new Route("GET", PATH + "/{kernel}", r -> kernels.show(r.param("kernel"))),
        new Route(
            "DELETE",
            PATH + "/{kernel}",
            r -> {
              kernels.remove(r.param("kernel"), "true".equals(r.query("force", "false")));
              return null;
            }),
        new Route(
            "POST",
            PATH + "/pull",
            r -> kernels.pull(Json.read(r.body(), PullRequest.class).name())),
        new Route(
            "POST",
            PATH + "/register",
            r -> kernels.register(Json.read(r.body(), RegisterKernelRequest.class))));
  }
}
