package dev.banger.daemon.image;

import dev.banger.api.ApiVersion;
import dev.banger.api.ExportRequest;
import dev.banger.api.PullRequest;
import dev.banger.api.RegisterImageRequest;
import dev.banger.daemon.http.Json;
import dev.banger.daemon.http.Route;
import java.util.List;

/** The {@code /v1/images} routes. */
public final class ImageRoutes {
  /** Path of the images collection. */
  public static final String PATH = ApiVersion.PREFIX + "/images";

  private ImageRoutes() {}

  /** The routes over {@code images}; a pull without a name pulls {@code defaultImage}. */
  public static List<Route> of(ImageService images, String defaultImage) {
    return List.of(
        new Route("GET", PATH, r -> images.list()),
        new Route("GET", PATH + "/{image}", r -> images.show(r.param("image"))),
        new Route(
            "DELETE",
            PATH + "/{image}",
            r -> {
              images.remove(r.param("image"), "true".equals(r.query("force", "false")));
              return null;
            }),
        new Route(
            "POST",
            PATH + "/pull",
            r -> {
              String name = Json.read(r.body(), PullRequest.class).name();
              return images.pull(name == null || name.isBlank() ? defaultImage : name);
            }),
        new Route(
            "POST",
            PATH + "/register",
            r -> images.register(Json.read(r.body(), RegisterImageRequest.class))),
        new Route("POST", PATH + "/{image}/promote", r -> images.promote(r.param("image"))),
        new Route(
            "POST",
            PATH + "/{image}/export",
            r ->
                images.export(
                    r.param("image"),
                    java.nio.file.Path.of(Json.read(r.body(), ExportRequest.class).path()))));
  }
}
