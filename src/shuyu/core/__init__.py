"""core: errors naming their article, actors and permissions, the clock, the working-day calendar.

Articles: R07.1 and R22.1 (every act is attributed and checked against role, organization and region),
R13.2 / R15.1 / N-CAL.* (working days).
"""
