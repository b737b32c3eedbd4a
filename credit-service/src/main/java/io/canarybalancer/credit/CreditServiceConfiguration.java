package io.canarybalancer.credit;

import io.canarybalancer.replica.ReplicaServiceConfiguration;

/** The credit service's configuration: its database and how it presents itself as a replica, nothing more. */
public class CreditServiceConfiguration extends ReplicaServiceConfiguration {
}
