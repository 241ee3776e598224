package postgres_test

import (
	"context"
	"testing"

	"concord/internal/pgtest"
	"concord/store/postgres"
	"concord/store/storetest"
)

func TestCheckpoints(t *testing.T) {
	st, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	storetest.Checkpoints(t, st)
}
