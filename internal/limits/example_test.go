package limits_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portcullis/portcullis/internal/limits"
)

// A gateway instance sharing limits through Redis. Short timeouts and a single dial attempt
// make Take fail fast with ErrUnavailable when Redis is down; the caller then applies its
// fail-open or fail-closed policy. The client reconnects by itself when Redis returns.
func ExampleNewRedis() {
	client := redis.NewClient(&redis.Options{
		Addr:               "127.0.0.1:6379",
		DialTimeout:        200 * time.Millisecond,
		ReadTimeout:        200 * time.Millisecond,
		WriteTimeout:       200 * time.Millisecond,
		PoolTimeout:        time.Second,
		MaxRetries:         -1,
		DialerRetries:      1,
		DialerRetryTimeout: 10 * time.Millisecond,
	})
	defer client.Close()
	var store limits.Store = limits.NewRedis(client)
	d, err := store.Take(context.Background(), time.Now(),
		[]limits.Bucket{{Key: "up1/k1", Rate: 5, Burst: 2}},
		&limits.Quota{Plan: "up1", KeyID: "k1", Limit: 1000, Period: limits.PeriodDay})
	if errors.Is(err, limits.ErrUnavailable) {
		fmt.Println("redis down: apply redisUnavailable policy")
		return
	}
	fmt.Println(d.Allowed)
}

func ExampleNewEmbedded() {
	store, err := limits.NewEmbedded("", nil) // a file path keeps quotas across restarts
	if err != nil {
		panic(err)
	}
	defer store.Close()
	ctx := context.Background()
	now := time.Date(2024, 6, 12, 10, 0, 0, 0, time.UTC)
	q := &limits.Quota{Plan: "up1", KeyID: "k1", Limit: 2, Period: limits.PeriodDay}
	for range 3 {
		d, _ := store.Take(ctx, now, []limits.Bucket{{Key: "stage", Rate: 100, Burst: 50}}, q)
		fmt.Println(d.Allowed, d.QuotaExceeded, d.QuotaUsed, d.QuotaRemaining)
	}
	usage, _ := store.Usage(ctx, "up1", "k1", now, now)
	fmt.Println(usage)
	// Output:
	// true false 1 1
	// true false 2 0
	// false true 2 0
	// map[k1:[[2 0]]]
}
