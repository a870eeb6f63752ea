import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// Reading lists: named, public or private, one owner. A private collection is a 404 for everyone else, so its
/// existence does not leak.
struct CollectionsController: Sendable {
    let store: any PaperStore
    let renderer: PageRenderer
    let site: SiteStatusProvider
    /// "More like this collection"; nil: not shown.
    var recommender: RecommendationService? = nil

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.post("/collections", use: create)
        router.get("/collections/{collection}", use: show)
        router.post("/collections/{collection}/items", use: setItem)
        // The paper page's "Save to collection" form names the collection in a field.
        router.post("/collections/save", use: setItem)
    }

    func visibleCollection(_ context: PaperboyRequestContext, form: FormQuery? = nil) async throws -> PaperCollection {
        guard let id = (context.parameters.get("collection") ?? form?["collection"]).flatMap({ Int64($0) }),
            let collection = try await store.collection(id: id),
            collection.isPublic || collection.owner == context.viewer?.username
        else { throw WebError(.notFound, heading: "Collection not found", "There is no such collection.") }
        return collection
    }

    @Sendable func show(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let collection = try await visibleCollection(context)
        let papers = try await store.collectionPapers(id: collection.id)
        var info = try await site.info(context)
        if collection.isPublic {
            info.feeds = FeedLink.alternates("/feeds/collections/\(collection.id)", title: collection.name)
        }
        var view = CollectionView(
            site: info, collectionID: collection.id, name: collection.name, owner: collection.owner,
            isPublic: collection.isPublic, isOwner: collection.owner == context.viewer?.username,
            paperCount: collection.paperCount, papers: papers.map { .init(id: $0.id, title: $0.title) })
        if let recommender, !papers.isEmpty {
            let similar = try await recommender.moreLike(collectionID: collection.id, viewer: context.viewer?.username)
            // Cold start would be the trending list, which is not "like this collection".
            if !similar.coldStart {
                view.moreLikeThis = similar.items.map {
                    .init(
                        id: $0.paper.id, title: $0.paper.title, authors: CardView.shortAuthors($0.paper.authors),
                        explanationHTML: ExplanationHTML.render($0))
                }
            }
        }
        return HTML(body: try renderer.render(view))
    }

    @Sendable func create(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let collection = try await store.createCollection(
            owner: viewer.username, name: form["name"] ?? "", isPublic: form["public"] == "on" || form["public"] == "1")
        if let paper = form["paper"].flatMap(PaperIdentifier.canonical) {
            try await CommunityService(store: store).setCollectionItem(
                collectionID: collection.id, paperID: paper, present: true, by: viewer)
            return .redirect(to: "/papers/\(paper)", type: .normal)
        }
        return .redirect(to: "/collections/\(collection.id)", type: .normal)
    }

    @Sendable func setItem(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let collection = try await visibleCollection(context, form: form)
        guard let paper = form["paper"].flatMap(PaperIdentifier.canonical) else {
            throw WebError(.invalidParameter, heading: "No paper", "Say which paper to add or remove.")
        }
        try await CommunityService(store: store).setCollectionItem(
            collectionID: collection.id, paperID: paper, present: form["present"] != "off", by: viewer)
        return .redirect(to: SafeRedirect.path(form["next"] ?? "/collections/\(collection.id)"), type: .normal)
    }
}
