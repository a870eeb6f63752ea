import Foundation
import Mustache

/// A page's view: the values one template prints. Every value a template prints with `{{ }}` is escaped by
/// Mustache; the few `{{{ }}}` values are `SafeHTML`.
protocol PageView {
    /// The template (in Templates/, without `.mustache`) that renders this view.
    static var template: String { get }
}

/// Loads the Mustache templates once and renders pages.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Every template the site renders, with the partials they use: all must be present at start-up.
    static let requiredTemplates: [String] = [
        "layout", "card",
        FeedPageView.template, PaperPageView.template, PaperMissingView.template, SearchPageView.template,
        NewPapersPageView.template, AboutView.template, AccountFormView.template, SubmitView.template,
        CurateView.template, ProfileView.template, CollectionView.template, DigestMessageView.template,
        SubscriptionView.template, ErrorPageView.template, ErrorCatalogView.template, ForYouView.template,
    ]

    /// Loads Templates/ and checks that every required template is there: a missing one stops start-up
    /// (`buildRouter` throws) instead of failing the first request that needs it.
    static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw WebSetupError("templates are missing from the PaperWeb resources")
        }
        let renderer = PageRenderer(library: try await MustacheLibrary(directory: directory.path))
        try renderer.check(Self.requiredTemplates)
        return renderer
    }

    func check(_ templates: [String]) throws {
        let missing = templates.filter { library.getTemplate(named: $0) == nil }
        guard missing.isEmpty else {
            throw WebSetupError(
                "the web templates \(missing.map { "Templates/\($0).mustache" }.joined(separator: ", ")) are missing from the build"
            )
        }
    }

    /// The page of `view`, rendered with its template.
    func render<View: PageView>(_ view: View) throws -> String {
        try render(View.template, view)
    }

    func render(_ template: String, _ object: Any) throws -> String {
        guard let html = library.render(object, withTemplate: template) else {
            throw MissingTemplateError(name: template)
        }
        return html
    }
}

/// A template that `render` was asked for and the library does not have (start-up checks the known ones).
struct MissingTemplateError: Error, CustomStringConvertible {
    let name: String
    var description: String { "the web template Templates/\(name).mustache is missing from the build" }
}

struct WebSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
