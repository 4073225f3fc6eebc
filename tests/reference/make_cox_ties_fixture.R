# Cox cluster-robust standard errors with heavily tied durations, from R's survival package:
# the reference for frikommune's Efron-form score residuals.
#
#     apt-get install -y r-base-core r-cran-survival     # Debian's packages
#     Rscript tests/reference/make_cox_ties_fixture.R    # from the repository root
#
# Data: 600 spells in 30 clusters (municipalities), durations in whole weeks (1-26, so every time
# is shared by many spells), two covariates, a cluster frailty and censoring. Written to
# tests/fixtures/cox_ties.csv. The fit: coxph(..., ties = "efron", cluster = cl), the Lin-Wei
# sandwich with Efron-form score residuals, and its model-based standard errors. Written to
# tests/fixtures/cox_ties_reference.json.
suppressPackageStartupMessages(library(survival))

set.seed(2026)
n <- 600
cl <- sample(0:29, n, replace = TRUE)
u <- rnorm(30, 0, 0.4)[cl + 1]
x1 <- rnorm(n)
x2 <- as.numeric(runif(n) < 0.4)
t <- rexp(n, rate = 0.08 * exp(0.5 * x1 - 0.6 * x2 + u))
c <- runif(n, 4, 40)
weeks <- pmin(ceiling(pmin(t, c)), 26)
ended <- as.integer(t <= c & ceiling(t) <= 26)
d <- data.frame(T = weeks, E = ended, x1 = x1, x2 = x2, cl = cl)
stopifnot(max(table(d$T[d$E == 1])) >= 10)
write.csv(d, "tests/fixtures/cox_ties.csv", row.names = FALSE, quote = FALSE)
d <- read.csv("tests/fixtures/cox_ties.csv")   # the fit sees the digits the file holds

num <- function(x) formatC(x, digits = 17, format = "g")
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
fit <- function(ties) {
  robust <- coxph(Surv(T, E) ~ x1 + x2, data = d, ties = ties, cluster = cl)
  plain <- coxph(Surv(T, E) ~ x1 + x2, data = d, ties = ties)
  stopifnot(max(abs(coef(robust) - coef(plain))) == 0)
  paste0('{"beta": ', vec(coef(robust)),
         ', "robust_se": ', vec(sqrt(diag(robust$var))),
         ', "se": ', vec(sqrt(diag(plain$var))),
         ', "log_likelihood": ', num(robust$loglik[2]), "}")
}
json <- paste0('{"source": "R ', R.version$major, ".", R.version$minor, ", survival ",
               as.character(packageVersion("survival")), '", "covariates": ["x1", "x2"]',
               ', "clusters": ', length(unique(d$cl)),
               ', "efron": ', fit("efron"), "}")
writeLines(json, "tests/fixtures/cox_ties_reference.json")
cat(json, "\n")
