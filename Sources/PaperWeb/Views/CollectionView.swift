/// `GET /collections/{id}` (`collection.mustache`).
struct CollectionView: PageView {
    static let template = "collection"

    struct Item {
        var id: String
        var title: String
    }

    var site: SiteInfo
    var collectionID: Int64
    var name: String
    var owner: String
    var isPublic: Bool
    var isOwner: Bool
    var paperCount: Int
    var papers: [Item]
    /// "More like this collection": recent papers ranked with the collection's papers as positives.
    var moreLikeThis: [Recommended] = []

    struct Recommended {
        var id: String
        var title: String
        var authors: String?
        var explanationHTML: SafeHTML
    }
}
