#include "services/search/xapian/xapian_search_index.hpp"

#include <xapian.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"

namespace emporium::search {

using core::Error;
using core::Result;

namespace {

// Value slots.
constexpr Xapian::valueno kPriceSlot = 0;
constexpr Xapian::valueno kCreatedSlot = 1;
constexpr Xapian::valueno kCategoryPathSlot = 2;
constexpr Xapian::valueno kPriceBucketSlot = 3;

// Term prefixes (Xapian convention: upper-case letters, "X" for our own).
constexpr std::string_view kIdPrefix = "Q";
constexpr std::string_view kCategoryPrefix = "XC";
constexpr std::string_view kInStockTerm = "XSTOCK";
constexpr std::string_view kNamePrefix = "XN";  // unstemmed name words, for autocomplete

// Weights of the fields in the full-text terms.
constexpr Xapian::termcount kNameWeight = 4;
constexpr Xapian::termcount kAttributesWeight = 1;
constexpr Xapian::termcount kDescriptionWeight = 1;

constexpr std::size_t kSnippetBytes = 160;
constexpr int kSearchRetries = 10;  // a reader overtaken by two commits reopens and tries again
constexpr auto kMinCommitInterval = std::chrono::milliseconds(50);

// Words too common to narrow an AND query; without a stopper "the" would have to match.
const char* const kStopWords[] = {"a",  "an", "and", "are", "as", "at", "be",  "by",   "for", "from",
                                  "in", "is", "it",  "of",  "on", "or", "the", "this", "to",  "with"};

std::string IdTerm(std::string_view product_id) { return std::string(kIdPrefix) + std::string(product_id); }

int PriceBucket(int64_t price) {
    int bucket = 0;
    for (int i = 0; i < kPriceBuckets; ++i)
        if (price >= kPriceBucketBounds[i]) bucket = i;
    return bucket;
}

// The categories of a path "/a/b/c/": a, b, c.
std::vector<std::string> PathCategories(std::string_view path) {
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (start < path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        if (end > start) ids.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return ids;
}

std::string EncodeData(const SearchDocument& d) {
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject()
        .Field("id", d.product_id)
        .Field("slug", d.slug)
        .Field("name", d.name)
        .Field("description", d.description)
        .Field("category_path", d.category_path)
        .Field("price", d.price_from)
        .Field("currency", d.currency)
        .Field("in_stock", d.in_stock)
        .Field("created_at", d.created_at);
    json.Key("category_id");
    if (d.category_id)
        json.String(*d.category_id);
    else
        json.Null();
    json.EndObject();
    return out;
}

SearchDocument DecodeData(const std::string& data) {
    SearchDocument d;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(data, ec);
    if (ec || !parsed.is_object()) return d;
    const auto& o = parsed.as_object();
    auto text = [&](const char* key) -> std::string {
        auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    auto number = [&](const char* key) -> int64_t {
        auto* v = o.if_contains(key);
        return v && v->is_int64() ? v->as_int64() : 0;
    };
    d.product_id = text("id");
    d.slug = text("slug");
    d.name = text("name");
    d.description = text("description");
    d.category_path = text("category_path");
    d.price_from = number("price");
    d.currency = text("currency");
    d.created_at = number("created_at");
    if (auto* v = o.if_contains("in_stock"); v && v->is_bool()) d.in_stock = v->as_bool();
    if (auto* v = o.if_contains("category_id"); v && v->is_string()) d.category_id = std::string(v->as_string());
    return d;
}

Error IndexError(const std::string& what, const Xapian::Error& e) {
    return Error::Internal("search index: " + what + ": " + e.get_description());
}

}  // namespace

// Per document id: the interned category path and the price bucket of the document.
// Immutable once published: a write copies it (a few hundred KiB at 100 k products) and
// swaps the pointer, so searches hold no lock while they count (a reader-preferring lock
// held through every match starved the index writer under steady search load).
struct XapianSearchIndex::FacetTable {
    std::vector<uint32_t> entries;   // 0: no document; else (path code + 1) << 4 | bucket
    std::vector<std::string> paths;  // path code → category path ("" for none)
    std::unordered_map<std::string, uint32_t> codes;

    void Set(Xapian::docid id, const std::string& path, int bucket) {
        auto [it, added] = codes.try_emplace(path, static_cast<uint32_t>(paths.size()));
        if (added) paths.push_back(path);
        if (entries.size() <= id) entries.resize(std::max<std::size_t>(id + 1, entries.size() * 2), 0);
        entries[id] = (it->second + 1) << 4 | static_cast<uint32_t>(bucket);
    }
    void Clear(Xapian::docid id) {
        if (id < entries.size()) entries[id] = 0;
    }
};

namespace {

int StoredPriceBucket(const std::string& value) {
    return value.empty() ? 0 : std::clamp(value[0] - '0', 0, kPriceBuckets - 1);
}

// Counts matches per category path and price bucket from a facet table snapshot.
// The table runs ahead of what readers see: it changes when a document is written,
// the reader's database when the write is committed. A match the table does not know
// (removed, or re-added under a new id, since that commit) is read from its own values,
// so every match still counts in exactly one bucket.
class FacetSpy final : public Xapian::MatchSpy {
  public:
    explicit FacetSpy(const XapianSearchIndex::FacetTable& table) : table_(table), per_path_(table.paths.size(), 0) {}

    void operator()(const Xapian::Document& doc, double) override {
        Xapian::docid id = doc.get_docid();
        uint32_t entry = id < table_.entries.size() ? table_.entries[id] : 0;
        if (entry == 0) {
            ++per_unknown_path_[doc.get_value(kCategoryPathSlot)];
            ++per_bucket_[StoredPriceBucket(doc.get_value(kPriceBucketSlot))];
            return;
        }
        ++per_path_[(entry >> 4) - 1];
        ++per_bucket_[entry & 15];
    }

    // Matches per category path: the table's paths and those read from documents.
    std::map<std::string, int64_t> PerPath() const {
        std::map<std::string, int64_t> counts(per_unknown_path_.begin(), per_unknown_path_.end());
        for (std::size_t code = 0; code < per_path_.size(); ++code)
            if (per_path_[code] != 0) counts[table_.paths[code]] += per_path_[code];
        return counts;
    }
    const int64_t (&per_bucket() const)[kPriceBuckets] { return per_bucket_; }

  private:
    const XapianSearchIndex::FacetTable& table_;
    std::vector<int64_t> per_path_;
    std::map<std::string, int64_t> per_unknown_path_;
    int64_t per_bucket_[kPriceBuckets] = {};
};

// Documents indexed up to a snapshot: Xapian numbers new documents upwards and keeps the
// number of one it replaces, so the last number tells what existed then.
class IndexedBy final : public Xapian::MatchDecider {
  public:
    explicit IndexedBy(Xapian::docid last) : last_(last) {}
    bool operator()(const Xapian::Document& doc) const override { return doc.get_docid() <= last_; }

  private:
    Xapian::docid last_;
};

// True when a term of `query` occurs in no document.
bool HasUnknownTerm(const Xapian::Database& db, const Xapian::Query& query) {
    for (auto term = query.get_unique_terms_begin(); term != query.get_unique_terms_end(); ++term)
        if (!db.term_exists(*term)) return true;
    return false;
}

}  // namespace

struct XapianSearchIndex::Writer {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator text;   // stemmed full text, with spelling data
    Xapian::TermGenerator names;  // unstemmed name words
};

struct XapianSearchIndex::Reader {
    Xapian::Database db;
    uint64_t generation = 0;
    Xapian::Stem stemmer{"english"};
    Xapian::SimpleStopper stopper{std::begin(kStopWords), std::end(kStopWords)};
};

XapianSearchIndex::XapianSearchIndex(std::string directory) : directory_(std::move(directory)) {}
XapianSearchIndex::~XapianSearchIndex() = default;

Result<std::unique_ptr<XapianSearchIndex>> XapianSearchIndex::Open(const std::string& directory) {
    std::unique_ptr<XapianSearchIndex> index(new XapianSearchIndex(directory));
    try {
        auto writer = std::make_unique<Writer>();
        writer->db = Xapian::WritableDatabase(directory, Xapian::DB_CREATE_OR_OPEN);
        writer->text.set_stemmer(Xapian::Stem("english"));
        writer->text.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        writer->text.set_database(writer->db);
        writer->text.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
        writer->names.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        // The facet table from the value streams: one pass over two slots.
        auto facets = std::make_shared<FacetTable>();
        std::unordered_map<Xapian::docid, std::string> paths;
        for (auto it = writer->db.valuestream_begin(kCategoryPathSlot);
             it != writer->db.valuestream_end(kCategoryPathSlot); ++it)
            paths.emplace(it.get_docid(), *it);
        for (auto it = writer->db.valuestream_begin(kPriceBucketSlot);
             it != writer->db.valuestream_end(kPriceBucketSlot); ++it) {
            auto path = paths.find(it.get_docid());
            facets->Set(it.get_docid(), path == paths.end() ? std::string() : path->second, StoredPriceBucket(*it));
        }
        index->facets_ = std::move(facets);
        index->writer_ = std::move(writer);
    } catch (const Xapian::DatabaseLockError&) {
        return Error::Unavailable("the search index " + directory +
                                  " is in use by another process (a running server?)");
    } catch (const Xapian::Error& e) {
        return IndexError("cannot open " + directory, e);
    }
    return index;
}

Result<void> XapianSearchIndex::Upsert(const core::RequestContext& ctx, const std::vector<SearchDocument>& documents) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    uint64_t change = 0;
    {
        std::lock_guard lock(write_mutex_);
        auto next = std::make_shared<FacetTable>(*Facets());
        try {
            for (const auto& d : documents) {
                Xapian::Document doc;
                writer_->text.set_document(doc);
                writer_->text.index_text(d.name, kNameWeight);
                writer_->text.increase_termpos();
                writer_->text.index_text(d.attributes_text, kAttributesWeight);
                writer_->text.increase_termpos();
                writer_->text.index_text(d.description, kDescriptionWeight);
                writer_->names.set_document(doc);
                writer_->names.index_text_without_positions(d.name, 1, std::string(kNamePrefix));
                doc.add_boolean_term(IdTerm(d.product_id));
                for (const auto& category : PathCategories(d.category_path))
                    doc.add_boolean_term(std::string(kCategoryPrefix) + category);
                if (d.in_stock) doc.add_boolean_term(std::string(kInStockTerm));
                int bucket = PriceBucket(d.price_from);
                doc.add_value(kPriceSlot, Xapian::sortable_serialise(static_cast<double>(d.price_from)));
                doc.add_value(kCreatedSlot, Xapian::sortable_serialise(static_cast<double>(d.created_at)));
                doc.add_value(kCategoryPathSlot, d.category_path);
                doc.add_value(kPriceBucketSlot, std::string(1, static_cast<char>('0' + bucket)));
                doc.set_data(EncodeData(d));
                Xapian::docid id = writer_->db.replace_document(IdTerm(d.product_id), doc);
                next->Set(id, d.category_path, bucket);
            }
        } catch (const Xapian::Error& e) {
            PublishFacets(std::move(next));  // what was written will be committed with the next change
            return IndexError("cannot index", e);
        }
        PublishFacets(std::move(next));
        change = ++changes_;
    }
    return CommitThrough(change);
}

Result<void> XapianSearchIndex::Remove(const core::RequestContext& ctx, const std::vector<std::string>& product_ids) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    uint64_t change = 0;
    {
        std::lock_guard lock(write_mutex_);
        auto next = std::make_shared<FacetTable>(*Facets());
        try {
            for (const auto& id : product_ids) {
                std::string term = IdTerm(id);
                auto posting = writer_->db.postlist_begin(term);
                if (posting == writer_->db.postlist_end(term)) continue;
                Xapian::docid docid = *posting;
                writer_->db.delete_document(term);
                next->Clear(docid);
            }
        } catch (const Xapian::Error& e) {
            PublishFacets(std::move(next));
            return IndexError("cannot remove", e);
        }
        PublishFacets(std::move(next));
        change = ++changes_;
    }
    return CommitThrough(change);
}

std::shared_ptr<const XapianSearchIndex::FacetTable> XapianSearchIndex::Facets() {
    std::lock_guard lock(facets_mutex_);
    return facets_;
}

void XapianSearchIndex::PublishFacets(std::shared_ptr<const FacetTable> table) {
    std::lock_guard lock(facets_mutex_);
    facets_ = std::move(table);
}

Result<void> XapianSearchIndex::CommitThrough(uint64_t change) {
    std::lock_guard commit(commit_mutex_);
    if (committed_ >= change) return core::Ok();  // someone else's commit carried it
    // Let concurrent writers join this commit, and keep commits apart for long searches.
    auto next = last_commit_ + kMinCommitInterval;
    if (std::chrono::steady_clock::now() < next) std::this_thread::sleep_until(next);
    std::lock_guard lock(write_mutex_);
    try {
        writer_->db.commit();
    } catch (const Xapian::Error& e) {
        return IndexError("cannot commit", e);
    }
    committed_ = changes_;
    last_commit_ = std::chrono::steady_clock::now();
    generation_.fetch_add(1);
    return core::Ok();
}

Result<std::vector<std::string>> XapianSearchIndex::ProductIds(const core::RequestContext& ctx) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::lock_guard lock(write_mutex_);
    std::vector<std::string> ids;
    try {
        for (auto it = writer_->db.allterms_begin(std::string(kIdPrefix));
             it != writer_->db.allterms_end(std::string(kIdPrefix)); ++it)
            ids.push_back((*it).substr(kIdPrefix.size()));
    } catch (const Xapian::Error& e) {
        return IndexError("cannot list", e);
    }
    return ids;
}

Result<int64_t> XapianSearchIndex::Count(const core::RequestContext& ctx) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::lock_guard lock(write_mutex_);
    try {
        return static_cast<int64_t>(writer_->db.get_doccount());
    } catch (const Xapian::Error& e) {
        return IndexError("cannot count", e);
    }
}

std::unique_ptr<XapianSearchIndex::Reader> XapianSearchIndex::AcquireReader() {
    std::unique_ptr<Reader> reader;
    {
        std::lock_guard lock(readers_mutex_);
        if (!idle_readers_.empty()) {
            reader = std::move(idle_readers_.back());
            idle_readers_.pop_back();
        }
    }
    uint64_t now = generation_.load();
    if (!reader) {
        reader = std::make_unique<Reader>();
        reader->db = Xapian::Database(directory_);
        reader->generation = now;
    } else if (reader->generation != now) {
        reader->db.reopen();
        reader->generation = now;
    }
    return reader;
}

void XapianSearchIndex::ReleaseReader(std::unique_ptr<Reader> reader) {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(std::move(reader));
}

template <typename T, typename Work>
Result<T> XapianSearchIndex::WithReader(std::string_view what, Work work) {
    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<Reader> reader;
        bool retry = false;
        Result<T> outcome = Error::Internal("search index: no answer");
        try {
            reader = AcquireReader();
            // Every Xapian object `work` makes over the handle is gone when it returns:
            // only then may another thread have the handle.
            outcome = work(*reader);
        } catch (const Xapian::DatabaseModifiedError& e) {
            if (reader) reader->generation = ~uint64_t{0};  // reopen on the next use
            retry = attempt + 1 < kSearchRetries;
            if (!retry) outcome = IndexError(std::string(what), e);
        } catch (const Xapian::Error& e) {
            reader.reset();  // in an unknown state: not reused
            outcome = IndexError(std::string(what), e);
        }
        if (reader) ReleaseReader(std::move(reader));
        if (!retry) return outcome;
    }
}

Result<SearchResults> XapianSearchIndex::Search(const core::RequestContext& ctx, const SearchQuery& query) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return WithReader<SearchResults>("search", [&](Reader& reader) -> Result<SearchResults> {
        Xapian::Database& db = reader.db;
        SearchResults results;

        // A fresh match-all query, never a copy of Xapian::Query::MatchAll: that one is a
        // process-wide object whose reference count is not atomic, so copying it from
        // several threads at once corrupts it.
        Xapian::Query match{std::string()};
        if (!query.text.empty()) {
            Xapian::QueryParser parser;
            parser.set_database(db);
            parser.set_stemmer(reader.stemmer);
            parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
            parser.set_stopper(&reader.stopper);
            parser.set_default_op(Xapian::Query::OP_AND);
            constexpr unsigned kFlags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE |
                                        Xapian::QueryParser::FLAG_SPELLING_CORRECTION;
            try {
                match = parser.parse_query(query.text, kFlags);
            } catch (const Xapian::QueryParserError&) {
                match = parser.parse_query(query.text, Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
            }
            // Xapian offers a more frequent neighbour even for a word the index has ("jacket"
            // → "backed"): a suggestion is shown only when a word of the query is unknown.
            std::string corrected = parser.get_corrected_query_string();
            if (!corrected.empty() && corrected != query.text && HasUnknownTerm(db, match))
                results.did_you_mean = corrected;
            if (match.empty()) match = Xapian::Query(std::string());  // only stop words: everything
        }
        std::vector<Xapian::Query> filters;
        if (query.category_id) filters.emplace_back(std::string(kCategoryPrefix) + *query.category_id);
        if (query.in_stock_only) filters.emplace_back(std::string(kInStockTerm));
        if (query.price_min && query.price_max)
            filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, kPriceSlot,
                                 Xapian::sortable_serialise(static_cast<double>(*query.price_min)),
                                 Xapian::sortable_serialise(static_cast<double>(*query.price_max)));
        else if (query.price_min)
            filters.emplace_back(Xapian::Query::OP_VALUE_GE, kPriceSlot,
                                 Xapian::sortable_serialise(static_cast<double>(*query.price_min)));
        else if (query.price_max)
            filters.emplace_back(Xapian::Query::OP_VALUE_LE, kPriceSlot,
                                 Xapian::sortable_serialise(static_cast<double>(*query.price_max)));
        if (!filters.empty()) {
            Xapian::Query filter(Xapian::Query::OP_AND, filters.begin(), filters.end());
            match = Xapian::Query(Xapian::Query::OP_FILTER, match, filter);
        }

        SearchSort sort = query.sort;
        if (sort == SearchSort::kRelevance && query.text.empty()) sort = SearchSort::kNewest;
        // Pass 1 looks at every match, so the total and the facet counts are exact
        // (Xapian's estimates were off by a median 66 % under filters). It weighs
        // nothing: BM25 needs every match's document length, and reading those was
        // most of the cost. For the value orders it also picks the page.
        Xapian::Enquire counting(db);
        counting.set_query(match);
        counting.set_weighting_scheme(Xapian::BoolWeight());
        switch (sort) {
            case SearchSort::kRelevance:
                break;
            case SearchSort::kPriceAsc:
                counting.set_sort_by_value(kPriceSlot, false);
                break;
            case SearchSort::kPriceDesc:
                counting.set_sort_by_value(kPriceSlot, true);
                break;
            case SearchSort::kNewest:
                counting.set_sort_by_value(kCreatedSlot, true);
                break;
        }
        std::shared_ptr<const FacetTable> table = Facets();
        FacetSpy facets(*table);
        counting.add_matchspy(&facets);
        bool by_relevance = sort == SearchSort::kRelevance;
        results.snapshot = query.snapshot != 0 ? query.snapshot : db.get_lastdocid();
        std::optional<IndexedBy> as_of;
        if (query.snapshot != 0) as_of.emplace(static_cast<Xapian::docid>(query.snapshot));
        const Xapian::MatchDecider* decider = as_of ? &*as_of : nullptr;
        Xapian::MSet mset = counting.get_mset(static_cast<Xapian::doccount>(query.offset),
                                              static_cast<Xapian::doccount>(by_relevance ? 0 : query.limit),
                                              db.get_doccount(), nullptr, decider);
        results.total = mset.get_matches_estimated();
        std::map<std::string, int64_t> per_category;
        for (const auto& [path, count] : facets.PerPath())
            for (const auto& id : PathCategories(path)) per_category[id] += count;
        results.category_counts.assign(per_category.begin(), per_category.end());
        for (int i = 0; i < kPriceBuckets; ++i) results.price_counts[i] = facets.per_bucket()[i];
        if (by_relevance) {
            // Pass 2: BM25 for one page only, where Xapian can skip what cannot make it.
            Xapian::Enquire ranking(db);
            ranking.set_query(match);
            mset = ranking.get_mset(static_cast<Xapian::doccount>(query.offset),
                                    static_cast<Xapian::doccount>(query.limit), 0, nullptr, decider);
        }

        for (auto it = mset.begin(); it != mset.end(); ++it) {
            SearchHit hit;
            hit.document = DecodeData(it.get_document().get_data());
            hit.score = by_relevance ? it.get_percent() : 100;  // other orders do not weigh
            hit.snippet = mset.snippet(hit.document.description, kSnippetBytes, reader.stemmer,
                                       Xapian::MSet::SNIPPET_BACKGROUND_MODEL | Xapian::MSet::SNIPPET_EXHAUSTIVE,
                                       "<mark>", "</mark>", "…");
            results.hits.push_back(std::move(hit));
        }
        return results;
    });
}

Result<std::vector<Suggestion>> XapianSearchIndex::Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                           int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    // Words as the name generator made them: lower-case letters and digits.
    std::string lowered = Xapian::Unicode::tolower(std::string(prefix));
    std::vector<std::string> words;
    std::string current;
    for (Xapian::Utf8Iterator it(lowered), end; it != end; ++it) {
        unsigned ch = *it;
        if (Xapian::Unicode::is_wordchar(ch)) {
            Xapian::Unicode::append_utf8(current, ch);
        } else if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    }
    bool last_partial = !current.empty();
    if (last_partial) words.push_back(std::move(current));
    if (words.empty()) return std::vector<Suggestion>{};

    return WithReader<std::vector<Suggestion>>("suggest", [&](Reader& reader) -> Result<std::vector<Suggestion>> {
        std::vector<Xapian::Query> parts;
        for (std::size_t i = 0; i < words.size(); ++i) {
            std::string term = std::string(kNamePrefix) + words[i];
            if (i + 1 == words.size() && last_partial)
                parts.emplace_back(Xapian::Query::OP_WILDCARD, term, 100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
            else
                parts.emplace_back(term);
        }
        Xapian::Enquire enquire(reader.db);
        enquire.set_query(Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end()));
        Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
        std::vector<Suggestion> out;
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            SearchDocument d = DecodeData(it.get_document().get_data());
            out.push_back(Suggestion{d.name, d.product_id, d.slug});
        }
        return out;
    });
}

}  // namespace emporium::search
