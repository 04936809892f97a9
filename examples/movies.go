package examples

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

//go:embed data/movies.json
var moviesJSON []byte

// MovieRecord is a movie of the CompositeView example.
type MovieRecord struct {
	// Rank is the movie's rank, its key.
	Rank int
	// Movie is the title.
	Movie string
	// Year is the release year.
	Year int
	// Cast is a comma-separated list of actors.
	Cast string
	// Director is the director's name.
	Director string
}

// MovieService serves the example's movies (made-up records embedded from
// data/movies.json). It is read-only and safe for concurrent use.
type MovieService struct {
	movies []MovieRecord
}

// NewMovieService returns a service over the embedded movie list.
func NewMovieService() *MovieService {
	var m []MovieRecord
	if err := json.Unmarshal(moviesJSON, &m); err != nil {
		panic("examples: data/movies.json: " + err.Error())
	}
	return &MovieService{movies: m}
}

// All returns a fresh copy of every movie, by rank.
func (s *MovieService) All() []MovieRecord { return slices.Clone(s.movies) }

// ByRank returns the movie with the given rank, or nil.
func (s *MovieService) ByRank(rank int) *MovieRecord {
	for _, m := range s.movies {
		if m.Rank == rank {
			return &m
		}
	}
	return nil
}

// MovieFilter is one filter of MovieFilterVM, as the client sends it
// ({id, property, operation, text}; names match case-insensitively).
type MovieFilter struct {
	// Id is the client's id for the filter, used by Delete.
	Id int
	// Property is "Any", "Rank", "Movie", "Year", "Cast" or "Director".
	Property string
	// Operation is "contains" (text properties) or "equals", ">=", "<="
	// (Rank and Year).
	Operation string
	// Text is the value to compare with.
	Text string
}

// match reports whether m passes f. An error stands for the original's
// failing Dynamic LINQ query.
func (f MovieFilter) match(m MovieRecord) (bool, error) {
	if f.Operation == "contains" {
		var s string
		switch f.Property {
		case "Any":
			s = m.Movie + m.Cast + m.Director
		case "Movie":
			s = m.Movie
		case "Cast":
			s = m.Cast
		case "Director":
			s = m.Director
		default:
			return false, fmt.Errorf("%s is not a text property", f.Property)
		}
		return strings.Contains(strings.ToLower(s), strings.ToLower(f.Text)), nil
	}
	want, err := strconv.Atoi(strings.TrimSpace(f.Text))
	if err != nil {
		return false, err
	}
	var got int
	switch f.Property {
	case "Rank":
		got = m.Rank
	case "Year":
		got = m.Year
	default:
		return false, fmt.Errorf("%s is not a number property", f.Property)
	}
	switch f.Operation {
	case "equals":
		return got == want, nil
	case ">=":
		return got >= want, nil
	case "<=":
		return got <= want, nil
	}
	return false, fmt.Errorf("unknown operation %q", f.Operation)
}

// filterMovies returns the movies passing every filter; like the original,
// any invalid filter gives an empty result.
func filterMovies(data []MovieRecord, filters []MovieFilter) []MovieRecord {
	out := []MovieRecord{}
	for _, m := range data {
		ok := true
		for _, f := range filters {
			pass, err := f.match(m)
			if err != nil {
				return []MovieRecord{}
			}
			ok = ok && pass
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}
