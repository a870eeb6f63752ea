import Hummingbird

/// `GET /errors`: the error catalog as a page, one anchor per code — the `link` of every error answer.
struct ErrorCatalogController: Sendable {
    let renderer: PageRenderer
    let site: SiteStatusProvider

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/errors", use: page)
    }

    @Sendable func page(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let view = ErrorCatalogView(
            site: try await site.info(context), entries: ErrorCode.allCases.map(ErrorCatalogView.Entry.init))
        return HTML(body: try renderer.render(view))
    }
}
