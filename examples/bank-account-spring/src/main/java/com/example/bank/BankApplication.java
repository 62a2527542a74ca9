package com.example.bank;

import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.spring.AggregateDefinition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The bank as a Spring Boot application: the starter makes the store ({@code hindsight.*} properties), the account
 * repository from the {@link AggregateDefinition} bean and the projection engine from the {@link MonthlyStatements}
 * bean; {@link BankService} uses them.
 */
@SpringBootApplication
public class BankApplication {
    public static final AggregateDefinition<Account.Command, Account.State, Account.Event> ACCOUNT =
            new AggregateDefinition<>("account", Account.DECIDER, Account.EVENTS, StateCodec.of(Account.State.class, 1));

    @Bean
    AggregateDefinition<Account.Command, Account.State, Account.Event> account() {
        return ACCOUNT;
    }

    @Bean
    MonthlyStatements monthlyStatements() {
        return new MonthlyStatements();
    }

    public static void main(String[] args) {
        SpringApplication.run(BankApplication.class, args);
    }
}
