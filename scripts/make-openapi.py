#!/usr/bin/env python3
"""Writes Sources/PaperWeb/Static/openapi.json, the OpenAPI 3.1 description of Paperboy's HTTP APIs.

The JSON file is what the server serves at /openapi.json; edit this script and re-run it when an endpoint
changes. Tests validate the document (openapi-spec-validator) and run schemathesis against a live server."""
import json, pathlib

ERR = {"$ref": "#/components/schemas/Error"}
def jresp(desc, schema): return {"description": desc, "content": {"application/json": {"schema": schema}}}
def err(desc): return jresp(desc, ERR)
RATE = {"description": "Too many requests; wait for Retry-After seconds.",
        "headers": {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}},
        "content": {"application/json": {"schema": ERR}}}
NULLSTR = {"type": ["string", "null"]}
NULLINT = {"type": ["integer", "null"]}
TS = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"}
NULLTS = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"}
PAPER_ID = {"name": "id", "in": "path", "required": True, "description": "arXiv id (2605.12345) or local id (pb-…)",
            "schema": {"type": "string", "pattern": r"^([0-9]{4}\.[0-9]{4,5}(v[0-9]+)?|pb-[0-9a-f]{12})$"}}
COLLECTION_ID = {"name": "collection", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 9007199254740991}}
BEARER = [{"accessToken": []}]
AUTHOR_NAME = {"name": "name", "in": "path", "required": True, "description": "An author's name, URL-encoded", "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
CATEGORY = {"name": "category", "in": "path", "required": True, "description": "An arXiv category such as cs.CL",
            "schema": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)?$", "maxLength": 40}}
WRITE_ERRORS = {"400": err("Malformed parameters or body."), "401": err("Missing or invalid access token."),
                "404": err("No such paper or collection."), "429": RATE}

schemas = {
    # ErrorCode and ErrorType are placeholders: the server fills in their enums from its error catalog
    # (Sources/PaperWeb/Errors/ErrorCatalog.swift) when it serves this document, so no list of codes is kept here.
    "ErrorCode": {"type": "string", "description": "Stable error code, for programs; documented at /errors#code."},
    "ErrorType": {"type": "string", "description": "invalid_request, auth, system or internal."},
    "CatalogError": {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {
        "error": {"type": "object", "required": ["code", "type", "message", "link"], "properties": {
            "code": {"$ref": "#/components/schemas/ErrorCode"}, "type": {"$ref": "#/components/schemas/ErrorType"},
            "message": {"type": "string", "description": "What went wrong, for people."},
            "link": {"type": "string", "description": "The code's documentation: /errors#code."}}}}},
    "HubError": {"type": "object", "required": ["error", "code"], "properties": {
        "error": {"type": "string", "description": "What went wrong, for people (Hugging Face clients print it)."},
        "code": {"$ref": "#/components/schemas/ErrorCode"}}},
    "Error": {"description": "Paperboy's APIs and feeds answer CatalogError; the Hugging Face-compatible reads HubError.",
              "oneOf": [{"$ref": "#/components/schemas/CatalogError"}, {"$ref": "#/components/schemas/HubError"}]},
    "HubUser": {"type": "object", "required": ["user", "fullname", "avatarUrl", "type"], "properties": {
        "user": {"type": "string"}, "fullname": {"type": "string"}, "avatarUrl": {"type": "string"},
        "type": {"type": "string", "const": "user"}, "isPro": {"type": "boolean"}}},
    "HubAuthor": {"type": "object", "required": ["name", "hidden"], "properties": {
        "name": {"type": "string"}, "hidden": {"type": "boolean"}, "user": {"$ref": "#/components/schemas/HubUser"}}},
    "HubPaper": {"type": "object", "required": ["id", "authors", "title", "summary", "upvotes", "discussionId", "categories", "url"],
                 "properties": {
        "id": {"type": "string"}, "authors": {"type": "array", "items": {"$ref": "#/components/schemas/HubAuthor"}},
        "publishedAt": NULLTS, "submittedOnDailyAt": NULLTS, "title": {"type": "string"}, "summary": {"type": "string"},
        "upvotes": {"type": "integer", "minimum": 0}, "discussionId": {"type": "string"}, "githubRepo": NULLSTR,
        "projectPage": NULLSTR, "githubStars": NULLINT, "ai_summary": NULLSTR,
        "ai_keywords": {"type": ["array", "null"], "items": {"type": "string"}},
        "categories": {"type": "array", "items": {"type": "string"}}, "url": {"type": "string"},
        "arxivUrl": NULLSTR, "pdfUrl": NULLSTR}},
    "HubListItem": {"type": "object", "required": ["paper", "title", "summary", "upvotes", "numComments", "isAuthorParticipating"],
                    "properties": {
        "paper": {"$ref": "#/components/schemas/HubPaper"},
        "publishedAt": {**NULLTS, "description": "When the paper appeared on a daily feed (else its publication time)."},
        "title": {"type": "string"}, "summary": {"type": "string"}, "upvotes": {"type": "integer", "minimum": 0},
        "numComments": {"type": "integer", "minimum": 0},
        "submittedBy": {"oneOf": [{"$ref": "#/components/schemas/HubUser"}, {"type": "null"}]},
        "githubRepo": NULLSTR, "projectPage": NULLSTR, "githubStars": NULLINT, "ai_summary": NULLSTR,
        "ai_keywords": {"type": ["array", "null"], "items": {"type": "string"}},
        "isAuthorParticipating": {"type": "boolean"}, "thumbnail": NULLSTR}},
    "HubPaperInfo": {"type": "object", "required": ["id", "authors", "title", "summary", "upvotes", "numComments", "url"],
                     "properties": {
        "id": {"type": "string"}, "authors": {"type": "array", "items": {"$ref": "#/components/schemas/HubAuthor"}},
        "publishedAt": NULLTS, "submittedOnDailyAt": NULLTS,
        "submittedOnDailyBy": {"oneOf": [{"$ref": "#/components/schemas/HubUser"}, {"type": "null"}]},
        "title": {"type": "string"}, "summary": {"type": "string"}, "upvotes": {"type": "integer", "minimum": 0},
        "numComments": {"type": "integer", "minimum": 0}, "discussionId": {"type": "string"}, "githubRepo": NULLSTR,
        "projectPage": NULLSTR, "githubStars": NULLINT, "ai_summary": NULLSTR,
        "ai_keywords": {"type": ["array", "null"], "items": {"type": "string"}},
        "categories": {"type": "array", "items": {"type": "string"}}, "arxivComment": NULLSTR, "journalRef": NULLSTR,
        "doi": NULLSTR, "url": {"type": "string"}, "arxivUrl": NULLSTR, "pdfUrl": NULLSTR}},
    "Whoami": {"type": "object", "required": ["user", "fullname", "role", "type"], "properties": {
        "user": {"type": "string"}, "fullname": {"type": "string"}, "role": {"type": "string", "enum": ["member", "curator", "admin"]},
        "type": {"type": "string"}}},
    "UpvoteResult": {"type": "object", "required": ["paperId", "upvoted", "upvotes"], "properties": {
        "paperId": {"type": "string"}, "upvoted": {"type": "boolean"}, "upvotes": {"type": "integer", "minimum": 0}}},
    "NotInterestedResult": {"type": "object", "required": ["paperId", "notInterested"], "properties": {
        "paperId": {"type": "string"}, "notInterested": {"type": "boolean"}}},
    "Follows": {"type": "object", "required": ["authors", "categories"], "properties": {
        "authors": {"type": "array", "items": {"type": "object", "required": ["key", "name"], "properties": {
            "key": {"type": "string", "description": "The normalized name papers are matched by."},
            "name": {"type": "string", "description": "The name as it was followed."}}}},
        "categories": {"type": "array", "items": {"type": "string"}}}},
    "Recommendations": {"type": "object", "required": ["papers", "cold_start", "preparing", "window_start", "window_end"], "properties": {
        "papers": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}},
        "preparing": {"type": "boolean", "description": "Just after start the candidate index is still being built: no papers yet, ask again shortly."},
        "cold_start": {"type": "boolean", "description": "No upvotes, saved papers or authorship yet: follows, categories and trending decide."},
        "window_start": {"type": "string", "format": "date"}, "window_end": {"type": "string", "format": "date"}}},
    "Recommendation": {"type": "object", "required": ["id", "title", "authors", "categories", "url", "score", "reason", "reasons", "terms"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "authors": {"type": "array", "items": {"type": "string"}},
        "categories": {"type": "array", "items": {"type": "string"}}, "published_at": NULLSTR, "url": {"type": "string"},
        "score": {"type": "number"},
        "reason": {"type": "string", "enum": ["similar", "followed_author", "followed_category", "trending", "recent"]},
        "reasons": {"type": "array", "items": {"type": "string"}, "description": "The explanation, one sentence per reason."},
        "because": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["title", "source"], "properties": {
            "id": NULLSTR, "title": {"type": "string"},
            "source": {"type": "string", "enum": ["upvoted", "saved", "authored", "search", "collection"]}}}]},
        "terms": {"type": "array", "items": {"type": "string"}},
        "followed_author": NULLSTR, "followed_category": NULLSTR}},
    "IndexRequest": {"type": "object", "required": ["arxivId"], "properties": {
        "arxivId": {"type": "string", "description": "arXiv id or URL (2605.12345, arXiv:2605.12345v2, https://arxiv.org/abs/2605.12345)"}}},
    "SubmissionRequest": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string", "description": "arXiv id or URL"},
        "githubRepo": {"type": "string", "format": "uri"}, "projectPage": {"type": "string", "format": "uri"}}},
    "SubmissionResult": {"type": "object", "required": ["paperId", "title", "date", "submittedBy"], "properties": {
        "paperId": {"type": "string"}, "title": {"type": "string"}, "date": {"type": "string", "format": "date"},
        "submittedBy": {"type": "string"}, "githubRepo": NULLSTR, "projectPage": NULLSTR}},
    "CommentRequest": {"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": 20000}, "parentId": {"type": "integer"}}},
    "CommentResult": {"type": "object", "required": ["id", "paperId", "author", "body", "createdAt"], "properties": {
        "id": {"type": "integer"}, "paperId": {"type": "string"}, "author": {"type": "string"}, "parentId": NULLINT,
        "body": {"type": "string"}, "createdAt": TS}},
    "CollectionRequest": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100}, "public": {"type": "boolean"}}},
    "Collection": {"type": "object", "required": ["id", "name", "owner", "isPublic", "paperCount", "createdAt"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "owner": {"type": "string"}, "isPublic": {"type": "boolean"},
        "paperCount": {"type": "integer", "minimum": 0}, "createdAt": TS}},
    "Health": {"type": "object", "required": ["status", "store", "paperCount", "search", "version"], "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]}, "store": {"type": "object"},
        "paperCount": {"type": "integer"}, "schemaVersion": NULLSTR, "changeSequence": NULLINT,
        "search": {"type": "object"}, "intake": {"type": "array", "items": {"type": "object"}}, "version": {"type": "string"}}},
}

def q(name, schema, desc, required=False):
    return {"name": name, "in": "query", "required": required, "description": desc, "schema": schema}

LIMIT = q("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}, "Items per response (1-100).")
paths = {
    "/api/papers/search": {"get": {
        "operationId": "searchPapers", "tags": ["Hugging Face compatible"],
        "summary": "Search papers (hybrid keyword + semantic when a model is loaded)",
        "parameters": [q("q", {"type": "string", "maxLength": 1000}, "Query: words, \"phrases\", -excluded, ti: au: abs: cat:"), LIMIT],
        "responses": {"200": jresp("Matching papers, best first.", {"type": "array", "items": {"$ref": "#/components/schemas/HubListItem"}}),
                      "400": err("Malformed parameters."), "429": RATE, "503": err("The search index is starting.")}}},
    "/api/daily_papers": {"get": {
        "operationId": "listDailyPapers", "tags": ["Hugging Face compatible"],
        "summary": "Papers of the daily feed for a day, ISO week or month",
        "description": "Give at most one of date, week and month; none lists every day. Without sort: most upvoted first. A page past the end is an empty array.",
        "parameters": [q("date", {"type": "string", "format": "date"}, "YYYY-MM-DD"),
                       q("week", {"type": "string", "pattern": r"^\d{4}-W\d{2}$"}, "ISO week YYYY-Www"),
                       q("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "YYYY-MM"),
                       q("submitter", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,39}$"}, "Only papers submitted by this user"),
                       q("sort", {"type": "string", "enum": ["publishedAt", "trending"]}, "publishedAt: newest submissions first; trending: TrendingFormula"),
                       q("p", {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}, "Page, from 0"), LIMIT],
        "responses": {"200": jresp("Feed items.", {"type": "array", "items": {"$ref": "#/components/schemas/HubListItem"}}),
                      "400": err("Malformed parameters (e.g. an invalid date)."), "429": RATE}}},
    "/api/papers/{id}": {"get": {
        "operationId": "paperInfo", "tags": ["Hugging Face compatible"], "summary": "One paper",
        "parameters": [PAPER_ID],
        "responses": {"200": jresp("The paper.", {"$ref": "#/components/schemas/HubPaperInfo"}), "404": err("No such paper."), "429": RATE}}},
    "/api/query": {"get": {
        "operationId": "arxivQuery", "tags": ["arXiv compatible"],
        "summary": "arXiv API-compatible search (Atom 1.0)",
        "description": "search_query uses prefixes ti au abs cat all id, AND OR ANDNOT, parentheses and quoted phrases.",
        "parameters": [q("search_query", {"type": "string", "maxLength": 2000}, "e.g. au:del_maestro ANDNOT ti:checkerboard"),
                       q("id_list", {"type": "string"}, "Comma-separated arXiv ids"),
                       q("start", {"type": "integer", "minimum": 0, "maximum": 30000, "default": 0}, "Offset of the first result"),
                       q("max_results", {"type": "integer", "minimum": 0, "maximum": 2000, "default": 10}, "Results in this page"),
                       q("sortBy", {"type": "string", "enum": ["relevance", "lastUpdatedDate", "submittedDate"]}, "Order"),
                       q("sortOrder", {"type": "string", "enum": ["ascending", "descending"]}, "Direction")],
        "responses": {"200": {"description": "Atom feed with opensearch totals.", "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                      "400": {"description": "Malformed query: a feed with one entry titled Error.", "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                      "429": RATE, "503": err("The search index is starting.")}}},
    "/feeds/{file}": {"get": {
        "operationId": "feed", "tags": ["Feeds"], "summary": "Daily, trending, new-on-arXiv or search feed as RSS 2.0, Atom 1.0 or JSON Feed 1.1",
        "parameters": [{"name": "file", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["daily.rss", "daily.atom", "daily.json", "trending.rss", "trending.atom", "trending.json",
                                                              "new.rss", "new.atom", "new.json"]},
                        "description": "name.format; search.{rss,atom,json}?q= works as well (a saved search)"},
                       q("date", {"type": "string", "format": "date"}, "new.*: the day papers were first published (default: the latest day with papers)."),
                       q("cat", {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)?$", "maxLength": 40},
                         "new.*: only papers in this arXiv category (e.g. cs.CL).")],
        "responses": {"200": {"description": "The feed.", "content": {
                          "application/rss+xml": {"schema": {"type": "string"}}, "application/atom+xml": {"schema": {"type": "string"}},
                          "application/feed+json": {"schema": {"type": "object"}}}},
                      "400": err("Malformed parameters."), "404": err("No such feed."), "429": RATE}}},
    "/feeds/collections/{file}": {"get": {
        "operationId": "collectionFeed", "tags": ["Feeds"], "summary": "A public collection as a feed ({id}.rss, .atom or .json)",
        "parameters": [{"name": "file", "in": "path", "required": True, "schema": {"type": "string", "pattern": r"^[0-9]{1,9}\.(rss|atom|json)$"}}],
        "responses": {"200": {"description": "The feed.", "content": {
                          "application/rss+xml": {"schema": {"type": "string"}}, "application/atom+xml": {"schema": {"type": "string"}},
                          "application/feed+json": {"schema": {"type": "object"}}}},
                      "404": err("No such public collection."), "429": RATE}}},
    "/api/whoami": {"get": {
        "operationId": "whoami", "tags": ["Write API"], "summary": "The owner of the access token", "security": BEARER,
        "responses": {"200": jresp("The user.", {"$ref": "#/components/schemas/Whoami"}), "401": err("Missing or invalid access token."), "429": RATE}}},
    "/api/papers": {"post": {
        "operationId": "submitPaper", "tags": ["Write API"], "summary": "Submit a stored paper to today's daily feed", "security": BEARER,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmissionRequest"}}}},
        "responses": {"201": jresp("Submitted.", {"$ref": "#/components/schemas/SubmissionResult"}), **WRITE_ERRORS,
                      "409": err("Already on a daily feed."), "413": err("Body too large.")}}},
    "/api/papers/index": {"post": {
        "operationId": "indexPaper", "tags": ["Write API"],
        "summary": "Index an arXiv paper: fetch it from arXiv unless it is stored (Hugging Face's \"index this paper\")",
        "description": "Imports count against a per-account limit (30 an hour). Offered when the server imports from arXiv.",
        "security": BEARER,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexRequest"}}}},
        "responses": {"200": jresp("Already stored: the paper.", {"$ref": "#/components/schemas/HubPaperInfo"}),
                      "201": jresp("Imported from arXiv: the paper.", {"$ref": "#/components/schemas/HubPaperInfo"}),
                      "400": err("arxivId is missing or not an arXiv id."), "401": err("Missing or invalid access token."),
                      "404": err("arXiv has no such paper."), "413": err("Body too large."),
                      "429": RATE, "503": err("arXiv could not be reached; nothing was changed. Retry later.")}}},
    "/api/papers/{id}/upvote": {
        "post": {"operationId": "upvote", "tags": ["Write API"], "summary": "Upvote a paper", "security": BEARER, "parameters": [PAPER_ID],
                 "responses": {"200": jresp("The new count.", {"$ref": "#/components/schemas/UpvoteResult"}), **WRITE_ERRORS}},
        "delete": {"operationId": "removeUpvote", "tags": ["Write API"], "summary": "Take an upvote back", "security": BEARER, "parameters": [PAPER_ID],
                   "responses": {"200": jresp("The new count.", {"$ref": "#/components/schemas/UpvoteResult"}), **WRITE_ERRORS}}},
    "/api/papers/{id}/not-interested": {
        "post": {"operationId": "markNotInterested", "tags": ["Write API"], "summary": "Mark a paper Not interested (it leaves your recommendations)",
                 "security": BEARER, "parameters": [PAPER_ID],
                 "responses": {"200": jresp("The mark.", {"$ref": "#/components/schemas/NotInterestedResult"}), **WRITE_ERRORS}},
        "delete": {"operationId": "unmarkNotInterested", "tags": ["Write API"], "summary": "Take a Not interested mark back",
                   "security": BEARER, "parameters": [PAPER_ID],
                   "responses": {"200": jresp("The mark.", {"$ref": "#/components/schemas/NotInterestedResult"}), **WRITE_ERRORS}}},
    "/api/recommendations": {"get": {
        "operationId": "recommendations", "tags": ["Write API"], "summary": "Your \"For you\" recommendations with scores and reasons",
        "security": BEARER, "parameters": [q("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "How many papers (default 30).")],
        "responses": {"200": jresp("Recommended papers, best first.", {"$ref": "#/components/schemas/Recommendations"}),
                      "400": err("Malformed parameters."), "401": err("Missing or invalid access token."), "429": RATE}}},
    "/feeds/for-you/{file}": {"get": {
        "operationId": "forYouFeed", "tags": ["Feeds"], "summary": "Your private \"For you\" feed ({token}.rss, .atom or .json; the address is made on your profile)",
        "parameters": [{"name": "file", "in": "path", "required": True, "schema": {"type": "string", "pattern": r"^pf_[0-9a-f]{40}\.(rss|atom|json)$"}}],
        "responses": {"200": {"description": "The feed.", "content": {
                          "application/rss+xml": {"schema": {"type": "string"}}, "application/atom+xml": {"schema": {"type": "string"}},
                          "application/feed+json": {"schema": {"type": "object"}}}},
                      "404": err("No such feed (revoked or mistyped)."), "429": RATE}}},
    "/api/follows": {"get": {
        "operationId": "follows", "tags": ["Write API"], "summary": "The authors and categories you follow", "security": BEARER,
        "responses": {"200": jresp("Your follows.", {"$ref": "#/components/schemas/Follows"}), "401": err("Missing or invalid access token."), "429": RATE}}},
    "/api/follows/authors/{name}": {
        "put": {"operationId": "followAuthor", "tags": ["Write API"], "summary": "Follow an author (matched without case, accents or punctuation)",
                "security": BEARER, "parameters": [AUTHOR_NAME],
                "responses": {"200": jresp("Your follows.", {"$ref": "#/components/schemas/Follows"}), **WRITE_ERRORS}},
        "delete": {"operationId": "unfollowAuthor", "tags": ["Write API"], "summary": "Unfollow an author", "security": BEARER,
                   "parameters": [AUTHOR_NAME],
                   "responses": {"200": jresp("Your follows.", {"$ref": "#/components/schemas/Follows"}), **WRITE_ERRORS}}},
    "/api/follows/categories/{category}": {
        "put": {"operationId": "followCategory", "tags": ["Write API"], "summary": "Follow an arXiv category", "security": BEARER,
                "parameters": [CATEGORY],
                "responses": {"200": jresp("Your follows.", {"$ref": "#/components/schemas/Follows"}), **WRITE_ERRORS}},
        "delete": {"operationId": "unfollowCategory", "tags": ["Write API"], "summary": "Unfollow an arXiv category", "security": BEARER,
                   "parameters": [CATEGORY],
                   "responses": {"200": jresp("Your follows.", {"$ref": "#/components/schemas/Follows"}), **WRITE_ERRORS}}},
    "/api/papers/{id}/comments": {"post": {
        "operationId": "comment", "tags": ["Write API"], "summary": "Comment on a paper (a safe Markdown subset)", "security": BEARER,
        "parameters": [PAPER_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommentRequest"}}}},
        "responses": {"201": jresp("The comment.", {"$ref": "#/components/schemas/CommentResult"}), **WRITE_ERRORS, "413": err("Body too large.")}}},
    "/api/collections": {
        "get": {"operationId": "listCollections", "tags": ["Write API"], "summary": "The token owner's collections", "security": BEARER,
                "responses": {"200": jresp("Collections.", {"type": "array", "items": {"$ref": "#/components/schemas/Collection"}}),
                              "401": err("Missing or invalid access token."), "429": RATE}},
        "post": {"operationId": "createCollection", "tags": ["Write API"], "summary": "Create a collection", "security": BEARER,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectionRequest"}}}},
                 "responses": {"201": jresp("Created.", {"$ref": "#/components/schemas/Collection"}), **WRITE_ERRORS, "413": err("Body too large.")}}},
    "/api/collections/{collection}/papers/{id}": {
        "put": {"operationId": "addToCollection", "tags": ["Write API"], "summary": "Add a paper to one of your collections", "security": BEARER,
                "parameters": [COLLECTION_ID, PAPER_ID],
                "responses": {"200": jresp("The collection.", {"$ref": "#/components/schemas/Collection"}), **WRITE_ERRORS,
                              "403": err("Not your collection.")}},
        "delete": {"operationId": "removeFromCollection", "tags": ["Write API"], "summary": "Remove a paper from one of your collections",
                   "security": BEARER, "parameters": [COLLECTION_ID, PAPER_ID],
                   "responses": {"200": jresp("The collection.", {"$ref": "#/components/schemas/Collection"}), **WRITE_ERRORS,
                                 "403": err("Not your collection.")}}},
    "/healthz": {"get": {
        "operationId": "health", "tags": ["Operations"], "summary": "Store reachability, sizes and search mode",
        "responses": {"200": jresp("Healthy.", {"$ref": "#/components/schemas/Health"}), "503": jresp("Store unavailable.", {"$ref": "#/components/schemas/Health"})}}},
}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Paperboy API", "version": "1.0.0",
             "description": "Self-hosted research-paper discovery. The read endpoints under /api/papers and /api/daily_papers are "
                            "compatible with huggingface_hub (HF_ENDPOINT); /api/query with the arXiv API. Reads allow any origin (CORS) "
                            "and are rate limited per IP address; writes need a personal access token (created on your profile page) "
                            "and are rate limited per token. Errors are {\"error\": {\"code\", \"type\", \"message\", \"link\"}} "
                            "(the Hugging Face-compatible reads keep {\"error\": message, \"code\": code}; /api/query answers "
                            "an Atom feed with an Error entry); every code is documented at /errors.",
             "license": {"name": "MIT", "identifier": "MIT"}},
    "servers": [{"url": "/"}],
    "tags": [{"name": "Hugging Face compatible"}, {"name": "arXiv compatible"}, {"name": "Feeds"}, {"name": "Write API"}, {"name": "Operations"}],
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {"accessToken": {
        "type": "http", "scheme": "bearer", "description": "A personal access token: pb_ followed by 40 hex digits."}}},
}
out = pathlib.Path(__file__).resolve().parent.parent / "Sources/PaperWeb/Static/openapi.json"
out.write_text(json.dumps(doc, indent=2) + "\n")
print(f"wrote {out}")
