-- test/gen/people.sql
--
-- A deterministic generator of hard synthetic person records for testing
-- probabilistic record linkage (Fellegi-Sunter deduplication), with the
-- ground truth.  Each person has 1 to 6 records: versions of the person as
-- some system recorded them, possibly years apart (1985-2024), in the
-- columns of the FEBRL files (test/data/febrl) plus e-mail and phone, so
-- that a matching model written for FEBRL applies.  It is meant to be much
-- harder than FEBRL: common names shared by many people, nicknames, maiden
-- and married names, moves, households with twins, typos, missing values
-- and broken dates.  No rate below was tuned to any matcher.
--
-- Runs with psql in any UTF8 database of PostgreSQL 15 or later; it needs no
-- extension (not even cdp) and nothing outside the server:
--
--   psql -v ON_ERROR_STOP=1 -f test/gen/people.sql
--   CREATE TABLE people AS SELECT * FROM cdp_people.records(10000);   -- 20,377 records
--   CREATE TABLE truth AS SELECT * FROM cdp_people.true_pairs(10000); -- 17,820 pairs
--
-- Interface (everything lives in schema cdp_people, dropped and recreated
-- by this script):
--
--   records(people integer, seed integer DEFAULT 1) RETURNS TABLE (
--       rec_id text, person_id bigint, given_name text, surname text,
--       street_number text, address_1 text, address_2 text, suburb text,
--       postcode text, state text, date_of_birth text, soc_sec_id text,
--       email text, phone text)
--     The records of persons 1..people (1 <= people <= 1,000,000), ordered
--     by person and record.  rec_id is 'p<person>-r<k>', record 1 the
--     oldest.  The columns mean what FEBRL's do: date_of_birth is mostly
--     'YYYYMMDD', soc_sec_id 7 digits, postcode 4 digits, state a code;
--     a missing value is NULL or '' (both occur).  email and phone are
--     extra columns.  Person n is the same person, with the same records,
--     whatever people is: records(1000) is the part of records(2000) with
--     person_id <= 1000.  A seed gives another, equally hard population.
--   true_pairs(people integer, seed integer DEFAULT 1) RETURNS TABLE (
--       left_rec text, right_rec text)
--     Every pair of records of the same person, left_rec < right_rec: the
--     pairs of records with the same person_id (records and true_pairs
--     agree by construction).
--   persons(people integer, seed integer DEFAULT 1)
--     The truth per person: household, role (head, partner, child), twin,
--     sex, culture, canonical given, middle and birth surname, married
--     surname and year, date of birth, soc_sec_id and number of records.
--
-- Determinism: every choice comes from hashint8extended() chains over
-- (seed, entity, purpose), never from random() or now(), so the same
-- arguments give byte-identical output on every run, in every session and
-- on every machine: no locale (case is changed under COLLATE "C" and by
-- explicit letter maps), no time zone (only dates), no floating point.
--
-- Speed: set-based SQL.  10,000 people (20,377 records) take about a
-- second; 495,000 people (1,000,568 records) about 25 s on a 2-core
-- machine.
--
-- Distributions
--   Records per person: 1 40 %, 2 38 %, 3 10 %, 4 6 %, 5 4 %, 6 2 %
--     (mean 2.02, 22 % with 3 or more); their years are spread evenly, in
--     order, over [max(1985, birth + 16), 2024] (children born after 2006
--     have records from their first year on).
--   Households: people are numbered in blocks of 8, each cut into
--     households by a pattern of sizes (cdp_people.layouts): 1 person
--     (17.5 % of people), 2 (39 %), 3 (17 %), 4 (17 %), 5 (6 %), 6 (3 %).
--     Two-person households are couples (65 %) or a parent and a child,
--     larger ones a couple (80 %) or a single parent with children; 4 % of
--     couples are of the same sex.  The partner is 4 years older to 6 years
--     younger than the head; the first child is born when the elder parent
--     is 19-27, the next ones 10-36 months apart; about 11 % of younger
--     children are a twin of the child before (139 pairs of twins among
--     10,000 people).  Heads are born 1935-2004.
--   Cultures (of households; 25 % of partners come from another):
--     Anglo-Celtic 50 %, Chinese 8, Italian 7, Indian 7, Greek 5,
--     Vietnamese 5, German, Dutch and Nordic 5, Arabic 4, Polish and
--     Slavic 4, Spanish 3, Filipino 2.
--   Names: the n-th name of a culture's list has weight 12000 / (n + 5)
--     (Zipf-like: Smith is 4 % of Anglo-Celtic surnames, John 5 % of
--     Anglo-Celtic men); 25 % of households have a rare surname composed of a prefix
--     and a suffix of the culture (10,000 people have 1,533 surnames, a
--     third of them borne by one person only); 55 % of people have a
--     middle name (Văn or Thị for most Vietnamese).  So different people
--     share names: among 10,000 people 1,260 (given name, surname) pairs
--     belong to two or more people, John Smith-like clusters that grow with
--     the population (241 John Smiths, 303 Sarah Smiths among 495,000).
--   Moves: a household moves 0 (35 %), 1 (35 %), 2 (20 %) or 3 (10 %)
--     times, 2-13 years apart, to a suburb near the old one (55 %) or
--     anywhere; adults of a couple lived elsewhere before their marriage;
--     75 % of children leave home at 18-27 and half of them move again.
--     169 suburbs (some sharing a postcode): thousands of people per
--     postcode.  6 % of homes are units in one of 3,000 shared buildings.
--   Identifiers: soc_sec_id is six digits and a check digit, unique to the
--     person (a mistyped one fails the check and is never another
--     person's).  Phones are Australian mobiles (04xx xxx xxx), unique to
--     the person: 92 % of people have one from 1995-2006 (at 13-18) on and
--     change it 0-2 times.  88 % have e-mail addresses from 1997-2010 (at
--     13-20) on, 1-3 of them, made of their name at the time and a
--     provider (an address a person of a lower number has taken gets
--     '.2', '.3', ..., so addresses are not shared either).  Only typos
--     make two people's phones or e-mails equal.
--
-- What makes it hard (rates per record unless said otherwise)
--
--   feature                                                           rate
--   ----------------------------------------------------------------  ------------------
--   given name / surname missing (NULL or '')                         5 % / 5 %
--   nickname or variant (Robert/Bob/Rob, William/Bill/Liam,           15 %; 60 % for the
--     Katherine/Kate/Catherine, Giuseppe/Joe, Dimitrios/Jim,            30 % of people who
--     Mohammed/Muhammad: 253 names with variants)                      prefer one
--   English alias of Chinese and Vietnamese (30 % of them have one)   40 %
--   initial only ('J' or 'J.')                                        3 %
--   middle name added to the given name                               4 %
--   goes by the middle name                                           5 % of people
--   given name and surname swapped                                    2 % (Chinese,
--                                                                       Vietnamese 10 %)
--   full name in given_name, surname missing                          0.8 %
--   typo in the given name, in the surname: keyboard neighbour,       8 % each (15 % of
--     letter dropped, doubled or swapped with the next, OCR             them two typos)
--     (rn/m, cl/d, o/0, l/1), spelt by ear (ph/f, ck/k, ie/ei)
--   married women: 70 % take the husband's surname, 10 % join both   maiden name before
--     with a hyphen, 20 % keep theirs                                   the marriage, and
--                                                                       in 8 % after it
--   surname spelling variants (Smith/Smyth, McDonald/MacDonald,       8 % of such records
--     Nguyễn/Nguyen/Ngyuen, Chen/Chan, Müller/Mueller/Miller: 73)
--   double surnames (half the Spanish households, 3 % of the others,  one part only 40 %,
--     hyphenated married names)                                         '-' <-> ' ' 10 %
--   apostrophes, spaces, hyphens dropped / made spaces (O'Brien)      20 % / 10 %
--   accents folded to ASCII (ü -> u, or ue for German and Nordic)     50 %
--   case: lower as in FEBRL / as written / upper                      55 / 30 / 15 %
--   street_number missing (and 3 % written into address_1) / typo     12 % / 5 %
--   unit in front of the number ('4/23')                              30 % of unit records
--   address_1 missing / street type abbreviated / typo                6 / 45 / 7 %
--   address_2 (unit, flat, lot, property name) missing                84 %
--   suburb missing / Mt, St, Nth, Sth, Pt / state capital / typo      6 / 40 / 2 / 7 %
--   postcode missing / typo / leading zero lost ('800')               5 / 5 % / half of NT
--   state missing / full name / wrong                                 10 / 8 / 1 %
--   date_of_birth missing                                             7 %
--   date_of_birth wrong: day and month swapped (invalid when the      12 %: 5.7 % of the
--     day is over 12, '19711302') 24 %, two digits swapped 14 %,        records hold no
--     year one off 14 %, a digit one off 12 %, century 4 %,             valid YYYYMMDD
--     'YYYY-MM-DD' 10 %, 'DD/MM/YYYY' 8 %, 'YYYY0101' 4 %,              date, 2.3 % not
--     '00000000' 4 %, '19000101' 3 %, '-0050-01-0' 3 %                  even 8 digits
--   soc_sec_id missing / one digit mistyped (never another's id)      40 % / 3 %
--   email present / typo / upper case or capitalised                  25 % / 4 % / 8 %
--   phone present / typo / in 9 formats ('0412 345 678',              34 % / 4 %
--     '+61412345678', '(04) 1234 5678', '0412-345-678', ...)
--   moves: address, suburb, postcode, state, phone and e-mail         between records
--     change between a person's records                                 years apart
--   households: same surname, address, postcode (and phone for        2.1 people per
--     children under 16) but different people; twins also share        household; twins:
--     the date of birth; a son may bear his father's given name         2.8 % of people
--   shared buildings: households at one street address                6 % of homes
--   common names: different people with the same given name and      1,260 pairs of names
--     surname (up to several hundred John Smiths in 500,000 people)     in 10,000 people
--
-- Hashes: salt = h(seed, 7301); person hp = h(h(salt, 1), person);
-- household hh = h(h(salt, 2), household); record hk = h(h(hp, 500), k);
-- see "Deterministic draws" below.
--
-- A self-check with example queries is at the end of this file.

SET client_encoding = 'UTF8';
SET client_min_messages = warning;

BEGIN;

DO $$
BEGIN
    IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'cdp_people needs a UTF8 database'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'The names include letters of Vietnamese, Polish and Czech.',
                  HINT = 'Run the script in a database created with ENCODING ''UTF8''.';
    END IF;
END
$$;

DROP SCHEMA IF EXISTS cdp_people CASCADE;
CREATE SCHEMA cdp_people;
COMMENT ON SCHEMA cdp_people IS
    'deterministic generator of hard synthetic person records with ground truth (test/gen/people.sql)';

-------------------------------------------------------------------------------
-- Reference data
-------------------------------------------------------------------------------

-- Name cultures of an Australian population; weight in percent of
-- households, swap_pct the percent of its records that put the given name
-- in the surname field and the other way round.
CREATE TABLE cdp_people.cultures (
    culture  integer PRIMARY KEY,
    name     text NOT NULL,
    weight   integer NOT NULL,
    swap_pct integer NOT NULL
);
INSERT INTO cdp_people.cultures (culture, name, weight, swap_pct) VALUES
    (1, 'Anglo-Celtic', 50, 2),
    (2, 'Italian', 7, 2),
    (3, 'Greek', 5, 2),
    (4, 'Chinese', 8, 10),
    (5, 'Vietnamese', 5, 10),
    (6, 'Indian', 7, 3),
    (7, 'Arabic', 4, 2),
    (8, 'German, Dutch and Nordic', 5, 2),
    (9, 'Spanish', 3, 2),
    (10, 'Polish and Slavic', 4, 2),
    (11, 'Filipino', 2, 2);

-- Percentile (0-99) -> culture.
CREATE TABLE cdp_people.culture_slots (
    slot    integer PRIMARY KEY,
    culture integer NOT NULL REFERENCES cdp_people.cultures
);
INSERT INTO cdp_people.culture_slots (slot, culture)
SELECT s.slot, c.culture
FROM generate_series(0, 99) AS s(slot)
JOIN (SELECT culture, sum(weight) OVER (ORDER BY culture) - weight AS lo,
             sum(weight) OVER (ORDER BY culture) AS hi
      FROM cdp_people.cultures) c ON s.slot >= c.lo AND s.slot < c.hi;

-- Given names of men ('m') and women ('f') and surnames ('s') per culture,
-- most common first.  The n-th name of a list has weight 12000 / (n + 5):
-- a Zipf-like law with a long tail of rare names.
CREATE TABLE cdp_people.names (
    culture integer NOT NULL REFERENCES cdp_people.cultures,
    kind    text NOT NULL CHECK (kind IN ('m', 'f', 's')),
    n       integer NOT NULL,
    name    text NOT NULL,
    weight  integer NOT NULL,
    PRIMARY KEY (culture, kind, n),
    UNIQUE (culture, kind, name)
);
INSERT INTO cdp_people.names (culture, kind, n, name, weight)
SELECT l.culture, l.kind, t.n, t.name, 12000 / (t.n + 5)
FROM (VALUES
    (1, 'm', ARRAY['John','David','Michael','Peter','Robert','Paul','Mark','James','Andrew',
        'Stephen','William','Christopher','Matthew','Daniel','Richard','Anthony','Thomas',
        'Brian','Joshua','Benjamin','Ian','Kevin','Gregory','Jason','Scott','Craig',
        'Nicholas','Timothy','Geoffrey','Kenneth','Ronald','Alexander','Jack','Samuel','Ryan',
        'Lachlan','Luke','Nathan','Adam','Wayne','Graham','Barry','Edward','Charles','Henry',
        'Patrick','Brendan','Shane','Dean','Liam','Oliver','Noah','Ethan','Cooper',
        'Harrison','Riley','Lucas','Mitchell','Angus','Hamish','Douglas','Raymond','Gerald',
        'Leonard','Frederick','Lawrence','Francis','Philip','Donald','Zachary','Jonathan',
        'Jacob','Blake','Callum','Declan','Seán','Ciarán','Rhys','Toby','Connor','Bailey',
        'Jayden','Kyle','Troy','Darren','Glenn','Keith','Neville','Trevor','Clive',
        'Reginald','Clarence','Archibald','Bartholomew','Thaddeus','Ignatius','Lionel',
        'Rupert','Digby','Fergus','Alistair','Quentin','Percival']),
    (1, 'f', ARRAY['Sarah','Jennifer','Jessica','Emma','Elizabeth','Margaret','Susan',
        'Michelle','Lisa','Karen','Katherine','Rebecca','Amanda','Nicole','Emily','Mary',
        'Patricia','Helen','Christine','Deborah','Kylie','Melissa','Stephanie','Samantha',
        'Olivia','Charlotte','Chloe','Sophie','Hannah','Grace','Isabella','Amelia','Ruby',
        'Mia','Ava','Zoe','Lauren','Megan','Kimberley','Natalie','Victoria','Jacqueline',
        'Caroline','Anne','Barbara','Dorothy','Abigail','Madison','Eleanor','Alexandra',
        'Joan','Judith','Heather','Tracey','Leanne','Belinda','Bronwyn','Narelle','Tegan',
        'Renée','Zoë','Siobhán','Niamh','Aoife','Matilda','Isla','Harper','Evie','Willow',
        'Ivy','Georgia','Jade','Tahlia','Brooke','Courtney','Shannon','Kayla','Gwendolyn',
        'Philippa','Araminta','Imogen','Henrietta','Beatrix','Rosalind','Winifred','Mavis',
        'Edna','Myrtle']),
    (1, 's', ARRAY['Smith','Jones','Williams','Brown','Wilson','Taylor','Johnson','White',
        'Martin','Anderson','Thompson','Thomas','Walker','Harris','Lee','Ryan','Robinson',
        'Kelly','King','Davis','Wright','Evans','Roberts','Green','Hall','Wood','Jackson',
        'Clarke','Hughes','Edwards','Murphy','Campbell','Mitchell','Scott','Turner','Hill',
        'Moore','Cooper','Ward','Morris','Baker','Young','Allen','Bell','Cook','Bailey',
        'Parker','Miller','Davies','Stewart','Collins','Murray','Reid','Graham','Hunter',
        'O''Brien','O''Connor','O''Sullivan','McDonald','McKenzie','Fitzgerald','MacLeod',
        'Sullivan','Lewis','Harrison','Kennedy','Morgan','Watson','Price','Bennett','Gray',
        'Russell','Wallace','Ellis','Hayes','Shaw','Fraser','Webb','Dunn','Carroll','Quinn',
        'Byrne','Doyle','Gallagher','Mahoney','Ferguson','Hamilton','Sinclair','Armstrong',
        'Chapman','Lawson','Pearce','Fletcher','Payne','Holmes','Barnes','Knight','Lloyd',
        'Griffiths','Hart','Howard','Marshall','Owen','Foster','Porter','Rogers','Spencer',
        'Stevens','Tucker','Warren','Wells','Woods','Thomson','Smyth','Taylor-Smith',
        'Ní Bhriain','Ó Súilleabháin']),
    (2, 'm', ARRAY['Giuseppe','Giovanni','Antonio','Francesco','Salvatore','Mario','Luigi',
        'Marco','Luca','Alessandro','Lorenzo','Matteo','Angelo','Vincenzo','Domenico',
        'Pasquale','Carmelo','Rocco','Niccolò','Gianluca']),
    (2, 'f', ARRAY['Maria','Giuseppina','Anna','Rosa','Francesca','Giulia','Chiara','Sofia',
        'Elena','Carmela','Concetta','Antonietta','Lucia','Teresa','Angela','Paola',
        'Federica','Alessandra']),
    (2, 's', ARRAY['Rossi','Russo','Ferrari','Esposito','Bianchi','Romano','Colombo','Ricci',
        'Marino','Greco','Bruno','Gallo','Conti','De Luca','D''Angelo','Lombardi','Moretti',
        'Costa','Mancini','Barbieri','Fontana','Santoro','Rinaldi','Caruso','Ferraro',
        'Giordano','Lo Presti','Di Stefano','Morabito','Cutrì']),
    (3, 'm', ARRAY['Georgios','Dimitrios','Konstantinos','Ioannis','Nikolaos','Christos',
        'Panagiotis','Vasilios','Athanasios','Evangelos','Spyridon','Stavros','Theodoros',
        'Michail','Kyriakos','Anastasios']),
    (3, 'f', ARRAY['Maria','Eleni','Aikaterini','Vasiliki','Sofia','Angeliki','Georgia',
        'Dimitra','Konstantina','Paraskevi','Evangelia','Christina','Despina','Anastasia',
        'Chrysoula']),
    (3, 's', ARRAY['Papadopoulos','Georgiou','Nikolaou','Papadakis','Dimitriou',
        'Konstantinou','Vlachos','Pappas','Karagiannis','Christodoulou','Alexiou',
        'Oikonomou','Ioannidis','Makris','Antoniou','Angelopoulos','Theodorou','Kyriakou',
        'Stavrou','Papageorgiou','Tsakalos','Zervos']),
    (4, 'm', ARRAY['Wei','Jun','Hao','Ming','Lei','Jie','Jian','Yong','Tao','Bin','Qiang',
        'Xiaoming','Zhiwei','Kevin','Jason','Eric','Tony','Jack']),
    (4, 'f', ARRAY['Jing','Li','Xin','Yan','Ying','Mei','Hui','Fang','Lin','Xiaoyan','Yuqi',
        'Vivian','Cindy','Grace','Annie']),
    (4, 's', ARRAY['Wang','Li','Zhang','Chen','Liu','Yang','Huang','Zhao','Wu','Zhou','Xu',
        'Sun','Ma','Zhu','Hu','Guo','He','Lin','Chan','Wong','Cheung','Ho','Lam','Leung',
        'Tang','Ng']),
    (5, 'm', ARRAY['Minh','Hùng','Tuấn','Đức','Quang','Nam','Dũng','Hải','Long','Phúc',
        'Thành','Khoa','Bảo','Huy']),
    (5, 'f', ARRAY['Anh','Linh','Thảo','Hương','Trang','Phương','Hoa','Lan','Ngọc','Hằng',
        'Mai','Thu','Vy','Nhung']),
    (5, 's', ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Huỳnh','Phan','Vũ','Võ','Đặng',
        'Bùi','Đỗ','Hồ','Ngô','Dương','Lý']),
    (6, 'm', ARRAY['Rajesh','Amit','Rahul','Sanjay','Vikram','Arjun','Aarav','Rohan','Suresh',
        'Anil','Venkatesh','Harpreet','Gurpreet','Manpreet','Sandeep','Deepak','Vijay',
        'Ramesh','Krishna','Arun']),
    (6, 'f', ARRAY['Priya','Ananya','Deepika','Kavya','Neha','Pooja','Sunita','Anjali',
        'Lakshmi','Divya','Meera','Shreya','Harpreet','Gurpreet','Simran','Aishwarya',
        'Nisha','Swati']),
    (6, 's', ARRAY['Patel','Singh','Sharma','Kumar','Gupta','Shah','Reddy','Iyer','Nair',
        'Mehta','Kaur','Chopra','Das','Rao','Joshi','Pillai','Agarwal','Bhat','Menon',
        'Verma','Malhotra','Kapoor','Sandhu','Gill','Dhillon','Subramanian','Krishnan',
        'Venkataraman']),
    (7, 'm', ARRAY['Mohammed','Ahmed','Ali','Omar','Yousef','Hassan','Khaled','Mahmoud',
        'Ibrahim','Mustafa','Tariq','Bilal','Hussein','Karim','Samir','Walid']),
    (7, 'f', ARRAY['Fatima','Layla','Mariam','Zainab','Rania','Nour','Aisha','Sara','Huda',
        'Amira','Yasmin','Leila','Hana','Rima']),
    (7, 's', ARRAY['Khoury','Haddad','Hassan','Ibrahim','Saleh','Nasser','El-Masri',
        'Abdallah','Karam','Mansour','Aziz','Farah','Al-Hashimi','Abboud','Chahine',
        'Nassar','Hamdan','El-Khoury','Saad','Youssef']),
    (8, 'm', ARRAY['Lukas','Jürgen','Klaus','Wolfgang','Hans','Stefan','Johannes','Sven',
        'Lars','Søren','Björn','Jan','Pieter','Dirk','Henrik','Ole','Maximilian']),
    (8, 'f', ARRAY['Anja','Katrin','Sabine','Ursula','Ingrid','Astrid','Greta','Heike',
        'Sanne','Mette','Birgit','Frieda','Lieselotte','Annika','Jördis']),
    (8, 's', ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner',
        'Becker','Schulz','Hoffmann','Jansen','de Vries','van der Berg','Bakker','Visser',
        'Larsen','Andersson','Johansson','Ødegaard','Nielsen','Björk','Hansen','Jørgensen',
        'Krüger','Schäfer','Köhler','Vogel']),
    (9, 'm', ARRAY['José','Juan','Carlos','Luis','Javier','Alejandro','Miguel','Diego',
        'Andrés','Mateo','Martín','Pablo','Francisco','Jorge','Santiago','Fernando']),
    (9, 'f', ARRAY['María','Lucía','Sofía','Camila','Valentina','Carmen','Isabel','Ana',
        'Inés','Paula','Gabriela','Daniela','Mercedes','Rocío']),
    (9, 's', ARRAY['García','Rodríguez','Martínez','López','González','Pérez','Sánchez',
        'Gómez','Fernández','Jiménez','Muñoz','Álvarez','Romero','Torres','Díaz',
        'Castillo','Ruiz','Vargas','Herrera','Medina']),
    (10, 'm', ARRAY['Łukasz','Paweł','Tomasz','Piotr','Krzysztof','Andrzej','Marek','Jakub',
        'Jiří','Marko','Nikola','Miloš','Ivan','Dmitri','Sergei','Oleksandr']),
    (10, 'f', ARRAY['Małgorzata','Agnieszka','Katarzyna','Anna','Magdalena','Zuzana',
        'Petra','Ivana','Dragana','Olga','Natalia','Oksana','Ewa','Joanna']),
    (10, 's', ARRAY['Kowalski','Nowak','Wiśniewski','Wójcik','Kowalczyk','Lewandowski',
        'Zieliński','Szymański','Dvořák','Novák','Černý','Kovačević','Petrović',
        'Jovanović','Horvat','Babić','Ivanov','Shevchenko','Kovalenko','Bondarenko']),
    (11, 'm', ARRAY['Mark','John Paul','Jericho','Jomar','Carlo','Ramon','Rodel','Arnel',
        'Jun','Renato','Efren','Rommel']),
    (11, 'f', ARRAY['Angelica','Kristine','Rhea','Mary Grace','Leah','Rowena','Maricel',
        'Jocelyn','Lorna','Marites','Jennylyn','Analyn']),
    (11, 's', ARRAY['Santos','Reyes','Cruz','Bautista','Ocampo','Garcia','Mendoza','Torres',
        'Dela Cruz','Villanueva','Aquino','Ramos','Castro','Flores','Del Rosario','Manalo',
        'Gonzales','De Guzman'])
) AS l(culture, kind, names),
LATERAL unnest(l.names) WITH ORDINALITY AS t(name, n);

-- 4000 slots per list, each name taking a share of them proportional to
-- its weight: a uniform draw in 0..3999 picks a name by its frequency.
-- key: (culture * 4 + kind) * 4000 + slot, kind 0 'm', 1 'f', 2 's' (one
-- key gives the planner a good estimate of the joins).
CREATE TABLE cdp_people.name_slots (
    key     integer PRIMARY KEY,
    culture integer NOT NULL,
    kind    text NOT NULL,
    slot    integer NOT NULL,
    name    text NOT NULL
);
INSERT INTO cdp_people.name_slots (key, culture, kind, slot, name)
SELECT (c.culture * 4 + strpos('mfs', c.kind) - 1) * 4000 + s.slot, c.culture, c.kind, s.slot, c.name
FROM (SELECT n.culture, n.kind, n.name,
             sum(n.weight) OVER w - n.weight AS lo, sum(n.weight) OVER w AS hi,
             sum(n.weight) OVER (PARTITION BY n.culture, n.kind) AS total
      FROM cdp_people.names n
      WINDOW w AS (PARTITION BY n.culture, n.kind ORDER BY n.n)) c
CROSS JOIN LATERAL generate_series(((c.lo * 4000 + c.total - 1) / c.total)::integer,
                                   ((c.hi * 4000 + c.total - 1) / c.total)::integer - 1) AS s(slot);

-- Rare surnames: a quarter of the surnames are made of a prefix and a
-- suffix of the culture (600 Anglo-Celtic ones, 240 Italian, ...), so that
-- most of them are borne by a few households only.
CREATE TABLE cdp_people.rare_surnames (
    culture  integer PRIMARY KEY REFERENCES cdp_people.cultures,
    prefixes text[] NOT NULL,
    suffixes text[] NOT NULL
);
INSERT INTO cdp_people.rare_surnames (culture, prefixes, suffixes) VALUES
    (1, ARRAY['Ash','Black','Brad','Whit','Thorn','Hart','Kings','Hather','Marsh','Fair',
              'Stan','Hol','Brom','Cald','Pen','Ald','Wel','Rut','Bram','Cran','Dun','Fen',
              'Gos','Lang','Mid','Oak','Pem','Sand','Tad','Wex'],
        ARRAY['ley','ton','ford','field','well','wood','by','ham','more','worth','ridge','man',
              'combe','hurst','stone','shaw','low','bury','dale','wick']),
    (2, ARRAY['Bel','Fior','Mar','Rag','Tos','Cas','Ver','Gal','Bon','Pel','Sal','Cav','Lan',
              'Mor','Pic','Ros','Ser','Tor','Val','Zan'],
        ARRAY['ini','etti','one','ucci','elli','ato','ano','esi','otti','aro','ella','izzi']),
    (3, ARRAY['Papa','Kara','Chatzi','Theo','Anagnost','Vasil','Stavr','Christ','Dimitr',
              'Kost','Ioann','Lazar','Mavr','Kouts','Triant','Zachar'],
        ARRAY['opoulos','idis','akis','ou','iou','atos','ellis','as','oglou','aras']),
    (4, ARRAY['Bai','Cao','Deng','Du','Fan','Feng','Gao','Han','Jiang','Kong','Liang','Lu',
              'Luo','Mo','Pan','Qian','Qin','Shen','Shi','Song','Su','Tan','Tian','Wei','Xiao',
              'Xie','Yao','Ye','Yu','Yuan','Zeng','Zheng','Zou','Ouyang','Situ','Sima'],
        ARRAY['']),
    (5, ARRAY['Trịnh','Lâm','Mai','Tạ','Quách','Lương','Đoàn','Tô','Hà','Cao','Châu','Kiều',
              'La','Thái','Vương','Lưu','Văn','Diệp','Mạc','Triệu'],
        ARRAY['']),
    (6, ARRAY['Ragh','Venk','Sriv','Chandr','Bal','Ram','Krish','Gan','Nar','Sub','Pad','Shan'],
        ARRAY['avan','ataraman','astava','asekar','akrishnan','amurthy','an','esh','ayan',
              'aswamy','ani','athan']),
    (7, ARRAY['Al-Ha','El-Sa','Abou Ja','Ta','Sa','Ka','Ba','Da','Fa','Na','Ma','Za'],
        ARRAY['ddad','yegh','nnous','bbagh','lil','bour','rouf','ssar','mour','kour']),
    (8, ARRAY['Alt','Eich','Fried','Gold','Gross','Hoch','Kirch','Lind','Rosen','Stein','Wein',
              'Wolf','Berg','Brand','Schwarz','Ek','Sjö','Holm','Lund','Dahl'],
        ARRAY['mann','berg','feld','hof','bach','stein','baum','hauser','holt','mayer','burg',
              'ström','gaard','kamp']),
    (9, ARRAY['Al','Bel','Cal','Es','Gal','Mon','Ped','San','Val','Vill','Cor','Ar'],
        ARRAY['varado','monte','derón','cobar','lardo','tero','raza','doval','dés','alobos',
              'dero','aujo']),
    (10, ARRAY['Wrob','Kam','Zaj','Krawc','Pawl','Mich','Grab','Jabl','Maj','Olsz','Sob','Wal',
               'Dub','Kral','Mar','Stoj'],
         ARRAY['lewski','iński','ak','zyk','owski','ewicz','czyk','ović','enko','ek','anov','ić']),
    (11, ARRAY['Mag','Ma','Ba','Da','Pa','Sa','Ca','Ta','Li','Bu'],
         ARRAY['bayan','lang','tungal','lisay','nalo','sig','baco','rangan','tista','nilao']);

-- Nicknames and spelling variants of given names (name as in cdp_people.names).
CREATE TABLE cdp_people.nicknames (
    name     text PRIMARY KEY,
    variants text[] NOT NULL
);
INSERT INTO cdp_people.nicknames (name, variants) VALUES
    ('Robert', '{Bob,Rob,Bobby,Robbie,Bert}'), ('William', '{Bill,Will,Liam,Billy,Willy}'),
    ('Elizabeth', '{Liz,Beth,Betty,Eliza,Lisa,Libby,Elisabeth}'),
    ('Katherine', '{Kate,Kathy,Catherine,Kathryn,Katie,Kat}'),
    ('Michael', '{Mike,Mick,Mikey,Micheal}'), ('Alexander', '{Alex,Al,Xander,Sasha}'),
    ('Alexandra', '{Alex,Alexa,Sandra,Lexie}'), ('James', '{Jim,Jimmy,Jamie}'),
    ('John', '{Jon,Johnny,Jack}'), ('Jonathan', '{Jon,Jonny,Johnathan,Nathan}'),
    ('Thomas', '{Tom,Tommy,Thom}'), ('Richard', '{Rick,Dick,Rich,Ricky,Richie}'),
    ('Charles', '{Charlie,Chuck,Chas}'), ('Edward', '{Ed,Eddie,Ted,Ned}'),
    ('Anthony', '{Tony,Ant,Antony}'), ('Christopher', '{Chris,Kit,Kristopher,Christoper}'),
    ('Daniel', '{Dan,Danny}'), ('David', '{Dave,Davey,Davy}'), ('Benjamin', '{Ben,Benny,Benji}'),
    ('Matthew', '{Matt,Mat,Mathew}'), ('Andrew', '{Andy,Drew}'),
    ('Nicholas', '{Nick,Nicky,Nicolas,Nikolas}'), ('Samuel', '{Sam,Sammy}'),
    ('Stephen', '{Steve,Steven,Stevie}'), ('Peter', '{Pete}'), ('Patrick', '{Pat,Paddy}'),
    ('Timothy', '{Tim,Timmy}'), ('Gregory', '{Greg,Gregg}'), ('Geoffrey', '{Geoff,Jeff,Jeffrey}'),
    ('Kenneth', '{Ken,Kenny}'), ('Ronald', '{Ron,Ronnie}'), ('Donald', '{Don,Donnie}'),
    ('Lawrence', '{Larry,Laurie,Laurence}'), ('Francis', '{Frank,Frankie,Fran}'),
    ('Frederick', '{Fred,Freddie,Freddy}'), ('Henry', '{Harry,Hank,Hal}'),
    ('Philip', '{Phil,Phillip,Pip}'), ('Douglas', '{Doug,Dougie}'), ('Raymond', '{Ray}'),
    ('Gerald', '{Gerry,Jerry}'), ('Leonard', '{Len,Lenny,Leo}'), ('Zachary', '{Zach,Zack,Zac}'),
    ('Joshua', '{Josh}'), ('Nathan', '{Nate,Nat}'), ('Bartholomew', '{Bart,Barty}'),
    ('Archibald', '{Archie,Arch}'), ('Reginald', '{Reg,Reggie}'), ('Percival', '{Percy}'),
    ('Ignatius', '{Iggy,Nate}'), ('Alistair', '{Ali,Alastair,Alasdair}'),
    ('Lachlan', '{Lachie,Lockie}'), ('Mitchell', '{Mitch}'), ('Mark', '{Marc,Marcus}'),
    ('Brian', '{Bryan,Brien}'), ('Ian', '{Iain,Ean}'), ('Kevin', '{Kev}'),
    ('Jason', '{Jase,Jayson}'), ('Graham', '{Graeme,Grahame}'), ('Barry', '{Baz,Barrie}'),
    ('Shane', '{Shayne}'), ('Oliver', '{Ollie,Olly}'), ('Harrison', '{Harry,Harri}'),
    ('Riley', '{Reilly,Ryley}'), ('Lucas', '{Luke,Lukas}'), ('Angus', '{Gus}'),
    ('Darren', '{Daz,Darran}'), ('Glenn', '{Glen}'), ('Neville', '{Nev}'), ('Trevor', '{Trev}'),
    ('Clarence', '{Clarrie}'), ('Thaddeus', '{Thad,Tad}'), ('Fergus', '{Fergie,Gus}'),
    ('Lionel', '{Leo}'), ('Rupert', '{Rupe}'), ('Seán', '{Sean,Shaun,Shawn}'),
    ('Ciarán', '{Ciaran,Kieran,Keiran}'), ('Rhys', '{Reece,Rees}'), ('Connor', '{Conor,Conner}'),
    ('Jayden', '{Jaden,Jaiden}'),
    ('Margaret', '{Maggie,Meg,Peggy,Marg,Margo}'), ('Jennifer', '{Jen,Jenny,Jenifer}'),
    ('Patricia', '{Pat,Patty,Trish,Tricia}'), ('Susan', '{Sue,Susie,Suzanne}'),
    ('Deborah', '{Deb,Debbie,Debra}'), ('Rebecca', '{Becky,Bec,Becca,Rebekah}'),
    ('Jessica', '{Jess,Jessie}'), ('Victoria', '{Vicky,Tori,Vic}'),
    ('Christine', '{Chris,Chrissy,Christina,Kristine}'), ('Barbara', '{Barb,Babs,Barbra}'),
    ('Dorothy', '{Dot,Dottie,Dolly}'), ('Abigail', '{Abby,Abbie,Gail}'),
    ('Samantha', '{Sam,Sammy,Sammie}'), ('Jacqueline', '{Jackie,Jacqui,Jaqueline}'),
    ('Stephanie', '{Steph,Stef,Stephany}'), ('Kimberley', '{Kim,Kimberly}'),
    ('Natalie', '{Nat,Natalia,Nathalie}'), ('Amanda', '{Mandy,Manda}'),
    ('Caroline', '{Carol,Carrie,Carolyn}'), ('Anne', '{Ann,Annie,Anna}'),
    ('Sarah', '{Sara,Sally}'), ('Mary', '{Molly,Mae,Marie}'), ('Helen', '{Helena,Nell,Ellen}'),
    ('Eleanor', '{Ellie,Nora,Elinor}'), ('Olivia', '{Liv,Livvy,Olive}'),
    ('Isabella', '{Bella,Izzy,Isabel,Isobel}'), ('Charlotte', '{Lottie,Charlie}'),
    ('Emily', '{Em,Emmy,Emilie}'), ('Sophie', '{Sophia,Sofie,Soph}'),
    ('Madison', '{Maddy,Maddie}'), ('Melissa', '{Mel,Missy,Lissa}'),
    ('Michelle', '{Shelly,Michele,Chelle}'), ('Nicole', '{Nikki,Nicky,Nichole}'),
    ('Philippa', '{Pippa,Pip}'), ('Henrietta', '{Etta,Hettie,Henny}'),
    ('Gwendolyn', '{Gwen,Wendy}'), ('Winifred', '{Winnie,Freda}'),
    ('Rosalind', '{Ros,Roz,Rosie}'), ('Beatrix', '{Bea,Trixie}'),
    ('Matilda', '{Tilly,Mattie,Tilda}'), ('Imogen', '{Immy,Imogene}'),
    ('Judith', '{Judy,Jude}'), ('Tracey', '{Tracy,Traci}'), ('Leanne', '{Lee-Anne,Leann,Lianne}'),
    ('Belinda', '{Bel,Linda,Lindy}'), ('Zoë', '{Zoe}'), ('Zoe', '{Zoë,Zoey}'),
    ('Renée', '{Renee,Rene}'), ('Siobhán', '{Siobhan,Shivaun,Chevonne}'),
    ('Niamh', '{Neve,Neeve}'), ('Aoife', '{Eva,Effie}'), ('Tahlia', '{Talia,Thalia}'),
    ('Courtney', '{Kourtney}'), ('Emma', '{Em,Emmy}'), ('Lisa', '{Liza,Leesa}'),
    ('Karen', '{Karin,Caren}'), ('Amelia', '{Millie,Amy,Mila}'), ('Hannah', '{Hanna,Anna}'),
    ('Grace', '{Gracie}'), ('Lauren', '{Laura,Lauryn}'), ('Megan', '{Meg,Meagan,Meghan}'),
    ('Joan', '{Joanie,Jo}'), ('Bronwyn', '{Bron,Bronwen}'), ('Narelle', '{Nell,Narell}'),
    ('Tegan', '{Teagan,Tegs}'), ('Georgia', '{Georgie}'), ('Jade', '{Jayde}'),
    ('Brooke', '{Brook}'), ('Shannon', '{Shan,Shanon}'), ('Kayla', '{Kaylah,Kaila}'),
    ('Araminta', '{Minty,Minta}'), ('Myrtle', '{Myrt,Myrtie}'), ('Evie', '{Eve,Evelyn}'),
    ('Chloe', '{Chloé,Cloe}'), ('Mia', '{Miah,Maya}'), ('Ava', '{Eva,Avah}'),
    ('Giuseppe', '{Joe,Joseph,Beppe,Peppe}'), ('Giovanni', '{John,Gianni,Johnny}'),
    ('Francesco', '{Frank,Franco}'), ('Salvatore', '{Sam,Salvo,Sal}'),
    ('Antonio', '{Tony,Anthony,Toni}'), ('Vincenzo', '{Vince,Vincent,Enzo}'),
    ('Domenico', '{Dom,Dominic,Mimmo}'), ('Carmelo', '{Carm,Charlie}'),
    ('Giuseppina', '{Josephine,Pina,Josie}'), ('Concetta', '{Connie,Tina}'),
    ('Antonietta', '{Toni,Antoinette,Netta}'), ('Carmela', '{Carmel,Lina}'),
    ('Maria', '{Mary,Marie,Mia}'), ('Niccolò', '{Nicolo,Nick,Nicholas}'),
    ('Dimitrios', '{Jim,Jimmy,Dimitri,Dimitris,Mitch}'),
    ('Konstantinos', '{Con,Gus,Kostas,Costa,Constantine}'),
    ('Georgios', '{George,Giorgos,Yiorgos}'), ('Nikolaos', '{Nick,Nikos,Nicholas}'),
    ('Ioannis', '{John,Yiannis,Giannis}'), ('Panagiotis', '{Peter,Panos,Takis}'),
    ('Vasilios', '{Bill,Vasili,Basil}'), ('Athanasios', '{Tom,Thanasis,Arthur}'),
    ('Evangelos', '{Angelo,Vangelis,Evan}'), ('Spyridon', '{Spiro,Spiros}'),
    ('Theodoros', '{Theo,Ted,Theodore}'), ('Aikaterini', '{Katerina,Kathy,Katherine}'),
    ('Vasiliki', '{Vicky,Vaso,Bessie}'), ('Paraskevi', '{Voula,Evi,Paris}'),
    ('Evangelia', '{Angela,Litsa,Evangeline}'), ('Chrysoula', '{Chrissy,Soula}'),
    ('Anastasia', '{Tasia,Stacey,Natasha}'), ('Despina', '{Debbie,Despoina}'),
    ('Mohammed', '{Muhammad,Mohamed,Mohammad,Mo,Mohd}'), ('Ahmed', '{Ahmad,Ahmet}'),
    ('Yousef', '{Joseph,Youssef,Yusuf,Joe}'), ('Mahmoud', '{Mahmud,Mike}'),
    ('Ibrahim', '{Abraham,Ebrahim}'), ('Mustafa', '{Mostafa,Moustafa}'),
    ('Hussein', '{Husein,Hossein}'), ('Khaled', '{Khalid,Kal}'), ('Fatima', '{Fatma,Fatimah}'),
    ('Aisha', '{Aysha,Ayesha}'), ('Mariam', '{Maryam,Miriam,Mary}'), ('Layla', '{Leila,Laila}'),
    ('José', '{Joe,Pepe,Jose}'), ('Francisco', '{Paco,Frank,Pancho}'),
    ('Alejandro', '{Alex,Alejo}'), ('Javier', '{Xavier,Javi}'), ('Miguel', '{Mike,Michael}'),
    ('Jorge', '{George}'), ('María', '{Mary,Maria}'), ('Mercedes', '{Merche,Mercy}'),
    ('Isabel', '{Isabella,Bel,Chabela}'), ('Łukasz', '{Lukasz,Luke,Lucas}'),
    ('Paweł', '{Pawel,Paul}'), ('Tomasz', '{Tom,Tomek,Thomas}'), ('Piotr', '{Peter,Piotrek}'),
    ('Krzysztof', '{Chris,Christopher,Krzys}'), ('Andrzej', '{Andrew,Andy}'),
    ('Jakub', '{Jacob,Kuba,Jake}'), ('Jiří', '{George,Jirka}'),
    ('Małgorzata', '{Gosia,Margaret,Malgosia}'), ('Katarzyna', '{Kasia,Kate,Katherine}'),
    ('Agnieszka', '{Agnes,Aga}'), ('Magdalena', '{Magda,Madeleine}'), ('Ewa', '{Eva,Eve}'),
    ('Joanna', '{Asia,Jo,Joan}'), ('Oleksandr', '{Alex,Sasha,Alexander}'),
    ('Dmitri', '{Dima,Dmitry,Dimitri}'), ('Sergei', '{Sergey,Serge}'), ('Ivan', '{John,Vanya}'),
    ('Olga', '{Olya,Olha}'), ('Natalia', '{Natasha,Natalie}'), ('Oksana', '{Ksenia,Oxana}'),
    ('Jürgen', '{Jurgen,Juergen,George}'), ('Johannes', '{Hans,John,Jan}'),
    ('Wolfgang', '{Wolf}'), ('Maximilian', '{Max,Maxi}'), ('Pieter', '{Peter,Piet}'),
    ('Søren', '{Soren,Soeren}'), ('Björn', '{Bjorn,Bjoern}'),
    ('Lieselotte', '{Liese,Lotte,Lilo}'), ('Birgit', '{Birgitta,Gitte}'),
    ('Rajesh', '{Raj,Rajeshkumar}'), ('Venkatesh', '{Venky,Venkat}'), ('Krishna', '{Krish}'),
    ('Sanjay', '{Sanj}'), ('Ramesh', '{Ram}'), ('Lakshmi', '{Laxmi,Lakshmy}'),
    ('Aishwarya', '{Ash,Aish}'), ('Harpreet', '{Harry,Preet}'), ('Gurpreet', '{Gary,Preet}'),
    ('Manpreet', '{Manny,Preet}'), ('Xiaoming', '{Ming}'), ('Zhiwei', '{Wei}'),
    ('Xiaoyan', '{Yan}'), ('John Paul', '{JP,John,Paul}'), ('Mary Grace', '{Grace,Mary}');

-- Spelling variants of surnames: transliterations, anglicisations and
-- common misspellings that a clerk or another system wrote down.
CREATE TABLE cdp_people.surname_variants (
    name     text PRIMARY KEY,
    variants text[] NOT NULL
);
INSERT INTO cdp_people.surname_variants (name, variants) VALUES
    ('Smith', '{Smyth,Smithe}'), ('Thompson', '{Thomson,Tompson}'), ('Reid', '{Reed,Read}'),
    ('McDonald', '{MacDonald,Macdonald,Mcdonald,"Mc Donald"}'),
    ('McKenzie', '{MacKenzie,Mckenzie,Mackenzie}'), ('MacLeod', '{McLeod,Macleod}'),
    ('O''Brien', '{OBrien,"O Brien",O''Brian}'), ('O''Connor', '{OConnor,O''Conner,Connor}'),
    ('O''Sullivan', '{OSullivan,Sullivan}'), ('Davies', '{Davis}'), ('Davis', '{Davies}'),
    ('Clarke', '{Clark}'), ('Gray', '{Grey}'), ('Stevens', '{Stephens}'),
    ('Griffiths', '{Griffith}'), ('Mahoney', '{Mahony,Mahoni}'), ('Carroll', '{Carrol,Caroll}'),
    ('Byrne', '{Burne,Byrnes}'), ('Ní Bhriain', '{"Ni Bhriain",O''Brien}'),
    ('Ó Súilleabháin', '{"O Suilleabhain",O''Sullivan}'),
    ('Müller', '{Mueller,Muller,Miller}'), ('Schmidt', '{Schmitt,Schmid,Smith}'),
    ('Meyer', '{Meier,Mayer,Maier}'), ('Schäfer', '{Schaefer,Shafer}'),
    ('Hoffmann', '{Hoffman,Hofmann}'), ('Papadopoulos', '{Papadopoulo,Papadopolous,Papas}'),
    ('Nikolaou', '{Nicolaou,Nikolaides}'), ('Georgiou', '{Giorgiou,Yiorgiou}'),
    ('Pappas', '{Papas}'), ('Nguyễn', '{Nguyen,Nguen,Ngyuen,Nyugen}'), ('Trần', '{Tran,Tranh}'),
    ('Lê', '{Le,Lee}'), ('Phạm', '{Pham,Fam}'), ('Huỳnh', '{Huynh,Hyunh}'), ('Võ', '{Vo,Voh}'),
    ('Chen', '{Chan,Chin}'), ('Zhang', '{Cheung,Chang}'), ('Huang', '{Wong}'),
    ('Wang', '{Wong}'), ('Li', '{Lee,Lei}'), ('Liu', '{Lau,Lew}'), ('Wu', '{Ng,Woo}'),
    ('Zhou', '{Chow,Chau}'), ('Lin', '{Lam,Lim}'),
    ('Khoury', '{Khouri,Coury,El-Khoury}'), ('Haddad', '{Hadad}'),
    ('Hassan', '{Hasan,Hassen}'), ('Abdallah', '{Abdullah,Abdulla}'),
    ('El-Masri', '{Elmasri,Masri,"El Masri"}'), ('Singh', '{Sing}'), ('Kaur', '{Kour}'),
    ('Subramanian', '{Subramaniam,Subramanyam}'), ('García', '{Garcia,Garsia}'),
    ('Rodríguez', '{Rodrigues,Rodriquez}'), ('González', '{Gonzales,Gonzalez}'),
    ('Fernández', '{Fernandes,Fernandez}'), ('Kowalski', '{Kowalska,Kovalski}'),
    ('Wiśniewski', '{Wisniewski,Wisniewska,Visnevski}'), ('Nowak', '{Novak,Nowack}'),
    ('Dela Cruz', '{"De la Cruz",Delacruz,Cruz}'), ('De Luca', '{DeLuca,Deluca,Luca}'),
    ('D''Angelo', '{DAngelo,Dangelo,"D Angelo"}'), ('Esposito', '{Exposito,Esposto}'),
    ('Lo Presti', '{LoPresti,Presti}'), ('van der Berg', '{"Van den Berg",Vandenberg,Berg}'),
    ('de Vries', '{"De Vries",DeVries,Devries}'), ('Jansen', '{Janssen,Jansson}'),
    ('Andersson', '{Anderson,Andersen}'), ('Johansson', '{Johanson,Johansen,Johnson}'),
    ('Nielsen', '{Nielson,Neilsen,Nilsen}'), ('Larsen', '{Larson,Larssen}'),
    ('Hansen', '{Hanson,Hanssen}'), ('Ødegaard', '{Odegaard,Oedegaard}');

-- Suburbs with their postcode and state, listed state by state so that
-- neighbouring numbers are mostly in the same state (moves stay nearby).
-- Some postcodes serve two suburbs.
CREATE TABLE cdp_people.suburbs (
    n        integer PRIMARY KEY,   -- 0-based
    suburb   text NOT NULL,
    postcode text NOT NULL,
    state    text NOT NULL
);
INSERT INTO cdp_people.suburbs (n, suburb, postcode, state)
SELECT (t.n - 1)::integer, split_part(t.entry, '|', 1), split_part(t.entry, '|', 2),
       split_part(t.entry, '|', 3)
FROM unnest(ARRAY[
    'Sydney|2000|NSW','Surry Hills|2010|NSW','Redfern|2016|NSW','Newtown|2042|NSW',
    'Bondi|2026|NSW','Randwick|2031|NSW','Maroubra|2035|NSW','Marrickville|2204|NSW',
    'Ashfield|2131|NSW','Strathfield|2135|NSW','Burwood|2134|NSW','Parramatta|2150|NSW',
    'Blacktown|2148|NSW','Penrith|2750|NSW','Liverpool|2170|NSW','Cabramatta|2166|NSW',
    'Fairfield|2165|NSW','Bankstown|2200|NSW','Hurstville|2220|NSW','Cronulla|2230|NSW',
    'Sutherland|2232|NSW','Chatswood|2067|NSW','Hornsby|2077|NSW','Manly|2095|NSW',
    'Dee Why|2099|NSW','Ryde|2112|NSW','Epping|2121|NSW','Castle Hill|2154|NSW',
    'Campbelltown|2560|NSW','Wollongong|2500|NSW','Newcastle|2300|NSW','Maitland|2320|NSW',
    'Gosford|2250|NSW','Wyong|2259|NSW','Port Macquarie|2444|NSW','Coffs Harbour|2450|NSW',
    'Tamworth|2340|NSW','Orange|2800|NSW','Dubbo|2830|NSW','Wagga Wagga|2650|NSW',
    'Albury|2640|NSW','Queanbeyan|2620|NSW','Lismore|2480|NSW','Bathurst|2795|NSW',
    'Goulburn|2580|NSW','St Marys|2760|NSW','Mount Druitt|2770|NSW','Lakemba|2195|NSW',
    'Auburn|2144|NSW','Granville|2142|NSW','North Sydney|2060|NSW','Mosman|2088|NSW',
    'Canberra|2601|ACT','Belconnen|2617|ACT','Woden|2606|ACT','Tuggeranong|2900|ACT',
    'Gungahlin|2912|ACT','Kambah|2902|ACT',
    'Melbourne|3000|VIC','Carlton|3053|VIC','Brunswick|3056|VIC','Coburg|3058|VIC',
    'Fitzroy|3065|VIC','Richmond|3121|VIC','Hawthorn|3122|VIC','Box Hill|3128|VIC',
    'Doncaster|3108|VIC','St Kilda|3182|VIC','Brighton|3186|VIC','Footscray|3011|VIC',
    'Sunshine|3020|VIC','Werribee|3030|VIC','Point Cook|3030|VIC','Tarneit|3029|VIC',
    'Preston|3072|VIC','Reservoir|3073|VIC','Heidelberg|3084|VIC','Glen Waverley|3150|VIC',
    'Mount Waverley|3149|VIC','Clayton|3168|VIC','Dandenong|3175|VIC','Springvale|3171|VIC',
    'Frankston|3199|VIC','Ringwood|3134|VIC','Craigieburn|3064|VIC','Cranbourne|3977|VIC',
    'Pakenham|3810|VIC','Geelong|3220|VIC','Ballarat|3350|VIC','Bendigo|3550|VIC',
    'Shepparton|3630|VIC','Mildura|3500|VIC','Traralgon|3844|VIC','Warrnambool|3280|VIC',
    'South Yarra|3141|VIC','Port Melbourne|3207|VIC',
    'Brisbane|4000|QLD','Fortitude Valley|4006|QLD','South Brisbane|4101|QLD',
    'Woolloongabba|4102|QLD','Indooroopilly|4068|QLD','Toowong|4066|QLD','Chermside|4032|QLD',
    'Carindale|4152|QLD','Sunnybank|4109|QLD','Logan Central|4114|QLD','Ipswich|4305|QLD',
    'Toowoomba|4350|QLD','Southport|4215|QLD','Surfers Paradise|4217|QLD','Robina|4226|QLD',
    'Coolangatta|4225|QLD','Caloundra|4551|QLD','Maroochydore|4558|QLD',
    'Noosa Heads|4567|QLD','Bundaberg|4670|QLD','Rockhampton|4700|QLD','Mackay|4740|QLD',
    'Townsville|4810|QLD','Cairns|4870|QLD','Hervey Bay|4655|QLD','Redcliffe|4020|QLD',
    'Strathpine|4500|QLD','Caboolture|4510|QLD','Mount Gravatt|4122|QLD',
    'Perth|6000|WA','Northbridge|6003|WA','Subiaco|6008|WA','Fremantle|6160|WA',
    'Joondalup|6027|WA','Scarborough|6019|WA','Midland|6056|WA','Armadale|6112|WA',
    'Rockingham|6168|WA','Mandurah|6210|WA','Bunbury|6230|WA','Geraldton|6530|WA',
    'Kalgoorlie|6430|WA','Albany|6330|WA','Cannington|6107|WA','Morley|6062|WA',
    'Mirrabooka|6061|WA','Mount Lawley|6050|WA',
    'Adelaide|5000|SA','North Adelaide|5006|SA','Glenelg|5045|SA','Norwood|5067|SA',
    'Prospect|5082|SA','Salisbury|5108|SA','Elizabeth|5112|SA','Modbury|5092|SA',
    'Marion|5043|SA','Port Adelaide|5015|SA','Mount Gambier|5290|SA','Whyalla|5600|SA',
    'Murray Bridge|5253|SA','Gawler|5118|SA',
    'Hobart|7000|TAS','Sandy Bay|7005|TAS','Glenorchy|7010|TAS','Kingston|7050|TAS',
    'Launceston|7250|TAS','Devonport|7310|TAS','Burnie|7320|TAS',
    'Darwin|0800|NT','Casuarina|0810|NT','Palmerston|0830|NT','Alice Springs|0870|NT',
    'Katherine|0850|NT'
]) WITH ORDINALITY AS t(entry, n);

CREATE TABLE cdp_people.streets (
    n    integer PRIMARY KEY,       -- 0-based
    name text NOT NULL
);
INSERT INTO cdp_people.streets (n, name)
SELECT (t.n - 1)::integer, t.name
FROM unnest(ARRAY['George','Collins','Queen','King','Elizabeth','Victoria','High','Church',
    'Station','Park','Bridge','Chapel','Smith','Brunswick','Oxford','Pitt','Hay','Lygon',
    'Beach','Ocean','Railway','Albert','William','Hunter','Murray','Bourke','Flinders',
    'Swanston','Glenferrie','Military','Pacific','Wattle','Banksia','Acacia','Jacaranda',
    'Waratah','Kurrajong','Grevillea','Boronia','Mount','Macquarie','Darling','Sturt','Light',
    'Stirling','Hindley','Rundle','Anzac','Canterbury','Princes','Botany','Forest','Lake',
    'River','Hill','Valley','Sunset','Ridge','Bay','Harbour','Mill','Market','Water','Spring',
    'Garden','Orchard','Vine','Rose','Lily','Tulip','Iris','Myrtle','Ironbark','Bottlebrush',
    'Melaleuca','Gum','Cedar','Pine','Oak','Elm','Ash','Birch','Willow','Maple','Kookaburra',
    'Lorikeet','Magpie','Currawong','Rosella','Galah','Cockatoo','Emu','Wombat','Koala',
    'Platypus','Echidna','Dingo','Possum','Wallaby','Kangaroo','Endeavour','Discovery',
    'Investigator','Cook','Phillip','Bligh','Hume','Hovell','Oxley','Leichhardt','Burke',
    'Wills','Eyre','Mitchell','Kennedy','Giles','Forrest','Lawson','Blaxland','Wentworth',
    'St Johns','Mount Pleasant'])
    WITH ORDINALITY AS t(name, n);

-- Street types with their abbreviation; percentile (0-99) -> type.
CREATE TABLE cdp_people.street_types (
    slot   integer PRIMARY KEY,
    name   text NOT NULL,
    abbrev text NOT NULL
);
INSERT INTO cdp_people.street_types (slot, name, abbrev)
SELECT s.slot, t.name, t.abbrev
FROM generate_series(0, 99) AS s(slot)
JOIN (SELECT v.name, v.abbrev, sum(v.weight) OVER (ORDER BY v.o) - v.weight AS lo,
             sum(v.weight) OVER (ORDER BY v.o) AS hi
      FROM (VALUES (1, 'Street', 'St', 30), (2, 'Road', 'Rd', 15), (3, 'Avenue', 'Ave', 10),
                   (4, 'Place', 'Pl', 7), (5, 'Crescent', 'Cres', 7), (6, 'Court', 'Ct', 6),
                   (7, 'Drive', 'Dr', 6), (8, 'Close', 'Cl', 3), (9, 'Parade', 'Pde', 3),
                   (10, 'Circuit', 'Cct', 3), (11, 'Lane', 'La', 2), (12, 'Way', 'Wy', 3),
                   (13, 'Terrace', 'Tce', 3), (14, 'Grove', 'Gr', 2)) AS v(o, name, abbrev, weight)
     ) t ON s.slot >= t.lo AND s.slot < t.hi;

-- Names of properties, villages and buildings (address_2).
CREATE TABLE cdp_people.places (
    n    integer PRIMARY KEY,       -- 0-based
    name text NOT NULL
);
INSERT INTO cdp_people.places (n, name)
SELECT (t.n - 1)::integer, t.name
FROM unnest(ARRAY['Rose Cottage','Willaroo','Glenbrook','Bellevue','Lakeview','Riverside Villas',
    'Sunnyside','Hillcrest','The Pines','Woodlands','Fairview','Greenacres','Kurrajong Park',
    'Oakleigh Gardens','Yarrabee','Warrawee','Bimbadeen','Coolabah','Mirrabooka Village',
    'Banksia Retirement Village','Seaview Apartments','Harbourside','Bay View','Tall Trees',
    'Carinya','Kirrawee','Allambie','Wirreanda','Tarrawarra','Myall Creek','Emerald Hill',
    'St Helens Court','Parkview Towers','Mountain View','Rear Of Shop','Kilcunda Homestead',
    'Wattle Grove Estate','Settlers Village','The Terraces','Northgate Mews'])
    WITH ORDINALITY AS t(name, n);

-- Households.  People are numbered in blocks of 8; a block is cut into
-- households by a pattern of household sizes drawn with weight in percent.
-- The first person of a household is its head; household_id is the head's
-- person number.
CREATE TABLE cdp_people.layouts (
    pattern integer PRIMARY KEY,
    weight  integer NOT NULL,
    sizes   integer[] NOT NULL
);
INSERT INTO cdp_people.layouts (pattern, weight, sizes) VALUES
    (1, 6, '{1,1,1,1,1,1,1,1}'), (2, 10, '{1,1,1,1,2,2}'), (3, 12, '{1,1,2,2,2}'),
    (4, 10, '{2,2,2,2}'), (5, 12, '{1,2,2,3}'), (6, 10, '{2,3,3}'), (7, 10, '{1,3,4}'),
    (8, 8, '{4,4}'), (9, 8, '{2,2,4}'), (10, 6, '{1,2,5}'), (11, 4, '{3,5}'), (12, 4, '{2,6}');

-- Percentile (0-99) and position in the block (0-7) -> the household's
-- first position, the person's role in it (0 = head) and its size.
-- key: slot * 8 + pos.
CREATE TABLE cdp_people.layout_slots (
    key   integer PRIMARY KEY,
    slot  integer NOT NULL,
    pos   integer NOT NULL,
    first integer NOT NULL,
    role  integer NOT NULL,
    size  integer NOT NULL
);
INSERT INTO cdp_people.layout_slots (key, slot, pos, first, role, size)
SELECT s.slot * 8 + h.first + r.role, s.slot, h.first + r.role, h.first, r.role, h.size
FROM generate_series(0, 99) AS s(slot)
JOIN (SELECT l.*, sum(l.weight) OVER (ORDER BY l.pattern) - l.weight AS lo,
             sum(l.weight) OVER (ORDER BY l.pattern) AS hi
      FROM cdp_people.layouts l) l ON s.slot >= l.lo AND s.slot < l.hi
CROSS JOIN LATERAL (SELECT z.size::integer AS size,
                           (sum(z.size) OVER (ORDER BY z.i) - z.size)::integer AS first
                    FROM unnest(l.sizes) WITH ORDINALITY AS z(size, i)) h
CROSS JOIN LATERAL generate_series(0, h.size - 1) AS r(role);

DO $$
BEGIN
    IF (SELECT sum(weight) FROM cdp_people.cultures) <> 100
       OR (SELECT sum(weight) FROM cdp_people.layouts) <> 100
       OR (SELECT count(*) FROM cdp_people.culture_slots) <> 100
       OR (SELECT count(*) FROM cdp_people.street_types) <> 100
       OR (SELECT count(*) FROM cdp_people.layout_slots) <> 800
       OR EXISTS (SELECT FROM cdp_people.layouts WHERE (SELECT sum(x) FROM unnest(sizes) x) <> 8)
       OR EXISTS (SELECT FROM cdp_people.names n
                  GROUP BY n.culture, n.kind HAVING count(*) < 10)
       OR EXISTS (SELECT FROM cdp_people.name_slots GROUP BY culture, kind, name
                  HAVING count(*) >= 600)
       OR (SELECT count(*) FROM cdp_people.name_slots)
          <> 4000 * (SELECT count(DISTINCT (culture, kind)) FROM cdp_people.names) THEN
        RAISE EXCEPTION 'cdp_people: the reference tables are inconsistent';
    END IF;
END
$$;

-------------------------------------------------------------------------------
-- Deterministic draws.  Every helper below is a one-expression SQL function
-- that the planner inlines.  A draw is hashint8extended(purpose, h), where h
-- is the hash of everything the draw belongs to, a tree of salts:
--   salt = h(seed, 7301); person hp = h(h(salt, 1), person);
--   household hh = h(h(salt, 2), household); block of 8 people
--   h(h(salt, 3), block); shared building h(h(salt, 4), building);
--   residence h(h(hh, 300), move) or h(h(hp, 310), move);
--   e-mail address h(h(hp, 56), epoch); record hk = h(h(hp, 500), record).
-- hash_uint32_extended is plain integer arithmetic, so the values are the
-- same on every platform; no floating point enters the output.
-- A helper is inlined only when its arguments are cheap (columns, a hash);
-- given an expensive one it runs as a function call, a hundred times
-- slower.  So the queries below compute in stages, subqueries with OFFSET 0
-- whose columns the next stage passes to the helpers.
-------------------------------------------------------------------------------

-- The hash of k under salt h: the salt of the next level down.
CREATE FUNCTION cdp_people._h(h bigint, k bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT pg_catalog.hashint8extended(k, h)';

-- A uniform integer in [0, n) for purpose k under h.
CREATE FUNCTION cdp_people._n(h bigint, k bigint, n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT (pg_catalog.hashint8extended(k, h) & 9223372036854775807) % n';

-- x mapped one-to-one onto [0, modulus) (mult is coprime to modulus), so
-- identity numbers and phones never collide between people.
CREATE FUNCTION cdp_people._bij(x bigint, mult bigint, modulus bigint, h bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT (x * mult + (h & 9223372036854775807) % modulus) % modulus';

-- Records per person: 1 40 %, 2 38 %, 3 10 %, 4 6 %, 5 4 %, 6 2 %.
CREATE FUNCTION cdp_people._nrec(hp bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE WHEN cdp_people._n(hp, 60, 100) < 40 THEN 1
                 WHEN cdp_people._n(hp, 60, 100) < 78 THEN 2
                 WHEN cdp_people._n(hp, 60, 100) < 88 THEN 3
                 WHEN cdp_people._n(hp, 60, 100) < 94 THEN 4
                 WHEN cdp_people._n(hp, 60, 100) < 98 THEN 5
                 ELSE 6 END$$;

-- Letters with diacritics, both cases, and their ASCII letters.  A DO block
-- below checks that they cover every name of the reference tables.
-- s without diacritics (ø -> o, đ -> d, ł -> l).
CREATE FUNCTION cdp_people._fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE WHEN octet_length(s) = length(s) THEN s
                 ELSE translate(s,
    'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ',
    'aaaaeeeiinoooooouuuyaccdlnrssuouaaaaaaeeeiooouyAAAAEEEIINOOOOOOUUUYACCDLNRSSUOUAAAAAAEEEIOOOUY')
                 END$$;

-- German and Nordic transcription: ä -> ae, ö -> oe, ü -> ue, ø -> oe.
CREATE FUNCTION cdp_people._umlaut(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT replace(replace(replace(replace(replace(replace(replace(replace(s,
    'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ø', 'oe'), 'Ä', 'Ae'), 'Ö', 'Oe'), 'Ü', 'Ue'), 'Ø', 'Oe')$$;

-- Lower and upper case that do not depend on the locale (lower() and
-- upper() under COLLATE "C" only change ASCII letters).
CREATE FUNCTION cdp_people._lower(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE WHEN octet_length(s) = length(s) THEN lower(s COLLATE "C")
                 ELSE translate(lower(s COLLATE "C"),
    'ÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ',
    'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳ') END$$;

CREATE FUNCTION cdp_people._upper(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE WHEN octet_length(s) = length(s) THEN upper(s COLLATE "C")
                 ELSE translate(upper(s COLLATE "C"),
    'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳ',
    'ÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ') END$$;

-- How a system wrote a value down: case style cs (0-54 lower case as in
-- FEBRL, 55-84 as given, 85-99 upper case); fold: ASCII only (ue: the
-- German transcription first).
CREATE FUNCTION cdp_people._style(s text, cs integer, fold boolean, ue boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN octet_length(s) = length(s) OR NOT fold THEN
        CASE WHEN cs < 55 THEN cdp_people._lower(s) WHEN cs < 85 THEN s ELSE cdp_people._upper(s) END
    WHEN cs < 55 THEN lower(translate(CASE WHEN ue THEN cdp_people._umlaut(s) ELSE s END,
        'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ',
        'aaaaeeeiinoooooouuuyaccdlnrssuouaaaaaaeeeiooouyAAAAEEEIINOOOOOOUUUYACCDLNRSSUOUAAAAAAEEEIOOOUY') COLLATE "C")
    WHEN cs < 85 THEN translate(CASE WHEN ue THEN cdp_people._umlaut(s) ELSE s END,
        'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ',
        'aaaaeeeiinoooooouuuyaccdlnrssuouaaaaaaeeeiooouyAAAAEEEIINOOOOOOUUUYACCDLNRSSUOUAAAAAAEEEIOOOUY')
    ELSE upper(translate(CASE WHEN ue THEN cdp_people._umlaut(s) ELSE s END,
        'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ',
        'aaaaeeeiinoooooouuuyaccdlnrssuouaaaaaaeeeiooouyAAAAEEEIINOOOOOOUUUYACCDLNRSSUOUAAAAAAEEEIOOOUY') COLLATE "C")
    END$$;

-- The lower-case ASCII letters of a name s (for e-mail addresses): no
-- diacritics (German transcription), no spaces, apostrophes or hyphens.
CREATE FUNCTION cdp_people._slug(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT translate(lower(CASE WHEN octet_length(s) = length(s) THEN s
                                 ELSE translate(cdp_people._umlaut(s),
    'àáâäéêëìíñòóôõöøùúüýăćčđłńřśšũơưạảấầằặềễệịọồỗứỳÀÁÂÄÉÊËÌÍÑÒÓÔÕÖØÙÚÜÝĂĆČĐŁŃŘŚŠŨƠƯẠẢẤẦẰẶỀỄỆỊỌỒỖỨỲ',
    'aaaaeeeiinoooooouuuyaccdlnrssuouaaaaaaeeeiooouyAAAAEEEIINOOOOOOUUUYACCDLNRSSUOUAAAAAAEEEIOOOUY') END COLLATE "C"), ' ''-.', '')$$;

-- s with one typing error drawn under h, anywhere in s: a keyboard
-- neighbour typed instead of a letter (25 %), a character dropped (20 %),
-- doubled or with its neighbour added (20 %), two neighbours swapped
-- (20 %), an OCR confusion (rn/m, cl/d, o/0, l/1, i/l: 7 %) or a spelling
-- by ear (ph/f, ck/k, ie/ei, a double letter single, y/i, c/k, s/z: 8 %).
-- Strings shorter than 3 characters are left alone.
CREATE FUNCTION cdp_people._typo(s text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN length(s) < 3 THEN s
    WHEN cdp_people._n(h, 1, 100) < 25 THEN
        overlay(s PLACING translate(substr(s, 1 + cdp_people._n(h, 2, length(s))::integer, 1),
                    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
                    CASE WHEN cdp_people._n(h, 3, 2) = 0
                         THEN 'snvfrghjoklknmpowtdyibecuxSNVFRGHJOKLKNMPOWTDYIBECUX'
                         ELSE 'zvxswdfguhjpnbilaearycqztaZVXSWDFGUHJPNBILAEARYCQZTA' END)
                FROM 1 + cdp_people._n(h, 2, length(s))::integer FOR 1)
    WHEN cdp_people._n(h, 1, 100) < 45 THEN
        overlay(s PLACING '' FROM 1 + cdp_people._n(h, 2, length(s))::integer FOR 1)
    WHEN cdp_people._n(h, 1, 100) < 65 THEN
        overlay(s PLACING substr(s, 1 + cdp_people._n(h, 2, length(s))::integer, 1)
                          || CASE WHEN cdp_people._n(h, 3, 2) = 0
                                  THEN substr(s, 1 + cdp_people._n(h, 2, length(s))::integer, 1)
                                  ELSE translate(substr(s, 1 + cdp_people._n(h, 2, length(s))::integer, 1),
                                                 'abcdefghijklmnopqrstuvwxyz',
                                                 'snvfrghjoklknmpowtdyibecux') END
                FROM 1 + cdp_people._n(h, 2, length(s))::integer FOR 1)
    WHEN cdp_people._n(h, 1, 100) < 85 THEN
        overlay(s PLACING substr(s, 2 + cdp_people._n(h, 2, length(s) - 1)::integer, 1)
                          || substr(s, 1 + cdp_people._n(h, 2, length(s) - 1)::integer, 1)
                FROM 1 + cdp_people._n(h, 2, length(s) - 1)::integer FOR 2)
    WHEN cdp_people._n(h, 1, 100) < 92 THEN
        CASE WHEN strpos(s, 'rn') > 0 THEN overlay(s PLACING 'm' FROM strpos(s, 'rn') FOR 2)
             WHEN strpos(s, 'm') > 0 THEN overlay(s PLACING 'rn' FROM strpos(s, 'm') FOR 1)
             WHEN strpos(s, 'cl') > 0 THEN overlay(s PLACING 'd' FROM strpos(s, 'cl') FOR 2)
             WHEN strpos(s, 'o') > 0 THEN overlay(s PLACING '0' FROM strpos(s, 'o') FOR 1)
             WHEN strpos(s, 'l') > 0 THEN overlay(s PLACING '1' FROM strpos(s, 'l') FOR 1)
             WHEN strpos(s, 'i') > 0 THEN overlay(s PLACING 'l' FROM strpos(s, 'i') FOR 1)
             ELSE overlay(s PLACING '' FROM length(s) FOR 1) END
    ELSE
        CASE WHEN strpos(s, 'ph') > 0 THEN overlay(s PLACING 'f' FROM strpos(s, 'ph') FOR 2)
             WHEN strpos(s, 'ck') > 0 THEN overlay(s PLACING 'k' FROM strpos(s, 'ck') FOR 2)
             WHEN strpos(s, 'ie') > 0 THEN overlay(s PLACING 'ei' FROM strpos(s, 'ie') FOR 2)
             WHEN strpos(s, 'ei') > 0 THEN overlay(s PLACING 'ie' FROM strpos(s, 'ei') FOR 2)
             WHEN strpos(s, 'll') > 0 THEN overlay(s PLACING 'l' FROM strpos(s, 'll') FOR 2)
             WHEN strpos(s, 'tt') > 0 THEN overlay(s PLACING 't' FROM strpos(s, 'tt') FOR 2)
             WHEN strpos(s, 'nn') > 0 THEN overlay(s PLACING 'n' FROM strpos(s, 'nn') FOR 2)
             WHEN strpos(s, 'ss') > 0 THEN overlay(s PLACING 's' FROM strpos(s, 'ss') FOR 2)
             WHEN strpos(s, 'y') > 0 THEN overlay(s PLACING 'i' FROM strpos(s, 'y') FOR 1)
             WHEN strpos(s, 'c') > 0 THEN overlay(s PLACING 'k' FROM strpos(s, 'c') FOR 1)
             WHEN strpos(s, 's') > 0 THEN overlay(s PLACING 'z' FROM strpos(s, 's') FOR 1)
             ELSE s || 'e' END
    END$$;

-- s (digits) with one typing error: a digit one off (55 %), two digits
-- swapped (30 %), a digit dropped or doubled (15 %).
CREATE FUNCTION cdp_people._dtypo(s text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN length(s) < 1 THEN s
    WHEN cdp_people._n(h, 1, 100) < 55 OR length(s) < 2 THEN
        overlay(s PLACING translate(substr(s, 1 + cdp_people._n(h, 2, length(s))::integer, 1),
                                    '0123456789',
                                    CASE WHEN cdp_people._n(h, 3, 2) = 0 THEN '1234567890'
                                         ELSE '9012345678' END)
                FROM 1 + cdp_people._n(h, 2, length(s))::integer FOR 1)
    WHEN cdp_people._n(h, 1, 100) < 85 THEN
        overlay(s PLACING substr(s, 2 + cdp_people._n(h, 2, length(s) - 1)::integer, 1)
                          || substr(s, 1 + cdp_people._n(h, 2, length(s) - 1)::integer, 1)
                FROM 1 + cdp_people._n(h, 2, length(s) - 1)::integer FOR 2)
    WHEN cdp_people._n(h, 3, 2) = 0 THEN
        overlay(s PLACING '' FROM 1 + cdp_people._n(h, 2, length(s))::integer FOR 1)
    ELSE
        overlay(s PLACING repeat(substr(s, 1 + cdp_people._n(h, 2, length(s))::integer, 1), 2)
                FROM 1 + cdp_people._n(h, 2, length(s))::integer FOR 1)
    END$$;

-- A date of birth 'YYYYMMDD' as a careless system kept it: day and month
-- swapped (24 %, invalid when the day is over 12, e.g. '19711302'), two
-- digits swapped (14 %), the year one off (14 %), a digit one off (12 %),
-- the century wrong (4 %), 'YYYY-MM-DD' (10 %), 'DD/MM/YYYY' (8 %), the
-- year only ('YYYY0101', 4 %) and placeholders '00000000' (4 %),
-- '19000101' (3 %) and '-0050-01-0' (3 %).
CREATE FUNCTION cdp_people._dob_bad(d text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN cdp_people._n(h, 1, 100) < 24 THEN left(d, 4) || substr(d, 7, 2) || substr(d, 5, 2)
    WHEN cdp_people._n(h, 1, 100) < 38 THEN
        overlay(d PLACING substr(d, 4 + cdp_people._n(h, 2, 5)::integer, 1)
                          || substr(d, 3 + cdp_people._n(h, 2, 5)::integer, 1)
                FROM 3 + cdp_people._n(h, 2, 5)::integer FOR 2)
    WHEN cdp_people._n(h, 1, 100) < 52 THEN
        (left(d, 4)::integer + 2 * cdp_people._n(h, 3, 2)::integer - 1)::text || right(d, 4)
    WHEN cdp_people._n(h, 1, 100) < 64 THEN
        overlay(d PLACING translate(substr(d, 3 + cdp_people._n(h, 2, 6)::integer, 1), '0123456789',
                                    CASE WHEN cdp_people._n(h, 3, 2) = 0 THEN '1234567890'
                                         ELSE '9012345678' END)
                FROM 3 + cdp_people._n(h, 2, 6)::integer FOR 1)
    WHEN cdp_people._n(h, 1, 100) < 68 THEN
        CASE WHEN left(d, 2) = '19' THEN '20' ELSE '19' END || substr(d, 3)
    WHEN cdp_people._n(h, 1, 100) < 78 THEN left(d, 4) || '-' || substr(d, 5, 2) || '-' || right(d, 2)
    WHEN cdp_people._n(h, 1, 100) < 86 THEN right(d, 2) || '/' || substr(d, 5, 2) || '/' || left(d, 4)
    WHEN cdp_people._n(h, 1, 100) < 90 THEN left(d, 4) || '0101'
    WHEN cdp_people._n(h, 1, 100) < 94 THEN '00000000'
    WHEN cdp_people._n(h, 1, 100) < 97 THEN '19000101'
    ELSE '-0050-01-0'
    END$$;

-- The soc_sec_id of number x in [0, 10^6): six digits and a check digit
-- that makes 3 d1 + d2 + 3 d3 + d4 + 3 d5 + d6 + d7 a multiple of 10.
CREATE FUNCTION cdp_people._ssid(x bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT lpad(x::text, 6, '0')
            || ((10 - (3 * (x / 100000 % 10) + x / 10000 % 10 + 3 * (x / 1000 % 10)
                       + x / 100 % 10 + 3 * (x / 10 % 10) + x % 10) % 10) % 10)::text$$;

-- id with digit i (drawn under h) mistyped.  The wrong digit makes the
-- check sum i (mod 10): a mistyped id is never another person's id, and two
-- people's mistyped ids never coincide.
CREATE FUNCTION cdp_people._ssid_bad(id text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT overlay(id PLACING ((substr(id, 1 + cdp_people._n(h, 1, 7)::integer, 1)::integer
                                 + ('{7,2,1,4,5,6,7}'::integer[])[1 + cdp_people._n(h, 1, 7)::integer])
                                % 10)::text
                    FROM 1 + cdp_people._n(h, 1, 7)::integer FOR 1)$$;

-- The mobile phone (nine digits after the 0: '4xxxxxxxx') of person p
-- (hash hp, born in year by) in year y, or NULL.  8 % of people have none;
-- the others have one from 1995-2006 (and age 13-18) on, and 45 % keep it,
-- 35 % change it once, 20 % twice, 2-13 years apart.  The number is
-- unique to (person, change): phones never collide between people.
CREATE FUNCTION cdp_people._phone_at(salt bigint, p bigint, hp bigint, by integer, y integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN cdp_people._n(hp, 45, 100) < 8
         OR y < greatest(1995 + cdp_people._n(hp, 40, 12)::integer,
                         by + 13 + cdp_people._n(hp, 41, 6)::integer) THEN NULL
    ELSE '4' || reverse(lpad(cdp_people._bij(p * 4
        + (cdp_people._n(hp, 42, 100) >= 45
           AND y >= greatest(1995 + cdp_people._n(hp, 40, 12)::integer,
                             by + 13 + cdp_people._n(hp, 41, 6)::integer)
                    + 2 + cdp_people._n(hp, 43, 12)::integer)::integer
        + (cdp_people._n(hp, 42, 100) >= 80
           AND y >= greatest(1995 + cdp_people._n(hp, 40, 12)::integer,
                             by + 13 + cdp_people._n(hp, 41, 6)::integer)
                    + 4 + cdp_people._n(hp, 43, 12)::integer + cdp_people._n(hp, 44, 12)::integer)::integer,
        61803399, 100000000, salt)::text, 8, '0'))
    END$$;

-- A phone p ('4xxxxxxxx') written in style x (0-99): '0412 345 678' 40 %,
-- '0412345678' 20 %, '+61 412 345 678' 8 %, '+61412345678' 8 %,
-- '(04) 1234 5678' 6 %, '0412-345-678' 6 %, '61412345678' 5 %,
-- '0412 345678' 4 %, '+61 (0)412 345 678' 3 %.
CREATE FUNCTION cdp_people._phone_fmt(p text, x integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN x < 40 THEN '0' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7)
    WHEN x < 60 THEN '0' || p
    WHEN x < 68 THEN '+61 ' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7)
    WHEN x < 76 THEN '+61' || p
    WHEN x < 82 THEN '(0' || substr(p, 1, 1) || ') ' || substr(p, 2, 4) || ' ' || substr(p, 6)
    WHEN x < 88 THEN '0' || substr(p, 1, 3) || '-' || substr(p, 4, 3) || '-' || substr(p, 7)
    WHEN x < 93 THEN '61' || p
    WHEN x < 97 THEN '0' || substr(p, 1, 3) || ' ' || substr(p, 4)
    ELSE '+61 (0)' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7)
    END$$;

-- The e-mail provider at percentile x.
CREATE FUNCTION cdp_people._domain(x integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN x < 28 THEN 'gmail.com' WHEN x < 38 THEN 'hotmail.com' WHEN x < 46 THEN 'bigpond.com'
    WHEN x < 53 THEN 'yahoo.com.au' WHEN x < 59 THEN 'outlook.com' WHEN x < 65 THEN 'icloud.com'
    WHEN x < 70 THEN 'optusnet.com.au' WHEN x < 74 THEN 'iinet.net.au' WHEN x < 78 THEN 'tpg.com.au'
    WHEN x < 82 THEN 'live.com.au' WHEN x < 85 THEN 'hotmail.com.au' WHEN x < 88 THEN 'bigpond.net.au'
    WHEN x < 90 THEN 'internode.on.net' WHEN x < 92 THEN 'westnet.com.au' WHEN x < 95 THEN 'yahoo.com'
    WHEN x < 97 THEN 'protonmail.com' ELSE 'me.com' END$$;

-- An e-mail address made of the slugs of a given name g, surname s and
-- nickname k, the year of birth by and draws under h: first.last 24 %,
-- firstlastYY 14 %, flast 12 %, first_last 8 %, nickNN 12 %, last.first
-- 8 %, firstNNN 12 %, first.lastNN 10 %.
CREATE FUNCTION cdp_people._email(g text, s text, k text, by integer, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN cdp_people._n(h, 1, 100) < 24 THEN g || '.' || s
    WHEN cdp_people._n(h, 1, 100) < 38 THEN g || s || lpad((by % 100)::text, 2, '0')
    WHEN cdp_people._n(h, 1, 100) < 50 THEN left(g, 1) || s
    WHEN cdp_people._n(h, 1, 100) < 58 THEN g || '_' || s
    WHEN cdp_people._n(h, 1, 100) < 70 THEN k || lpad(cdp_people._n(h, 2, 100)::text, 2, '0')
    WHEN cdp_people._n(h, 1, 100) < 78 THEN s || '.' || g
    WHEN cdp_people._n(h, 1, 100) < 90 THEN g || (1 + cdp_people._n(h, 3, 999))::text
    ELSE g || '.' || s || (1 + cdp_people._n(h, 2, 99))::text
    END || '@' || cdp_people._domain(cdp_people._n(h, 4, 100)::integer)$$;

-- The state's capital (a record that names the city, not the suburb).
CREATE FUNCTION cdp_people._capital(state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE state WHEN 'NSW' THEN 'Sydney' WHEN 'VIC' THEN 'Melbourne'
    WHEN 'QLD' THEN 'Brisbane' WHEN 'WA' THEN 'Perth' WHEN 'SA' THEN 'Adelaide'
    WHEN 'TAS' THEN 'Hobart' WHEN 'ACT' THEN 'Canberra' ELSE 'Darwin' END$$;

CREATE FUNCTION cdp_people._state_name(state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE state WHEN 'NSW' THEN 'New South Wales' WHEN 'VIC' THEN 'Victoria'
    WHEN 'QLD' THEN 'Queensland' WHEN 'WA' THEN 'Western Australia'
    WHEN 'SA' THEN 'South Australia' WHEN 'TAS' THEN 'Tasmania'
    WHEN 'ACT' THEN 'Australian Capital Territory' ELSE 'Northern Territory' END$$;

-- Where residence hr is: in 6 % of residences a shared building (one of
-- 3000, several households at the same street address, different units).
CREATE FUNCTION cdp_people._hsrc(hr bigint, salt bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE WHEN cdp_people._n(hr, 9, 100) < 6
                 THEN cdp_people._h(cdp_people._h(salt, 4), cdp_people._n(hr, 10, 3000))
                 ELSE hr END$$;

-- Rejects arguments the generator cannot honour.
CREATE FUNCTION cdp_people._check(people integer, seed integer) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF people IS NULL OR people < 1 OR people > 1000000 THEN
        RAISE EXCEPTION 'people must be between 1 and 1000000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF seed IS NULL THEN
        RAISE EXCEPTION 'seed must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN true;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM (SELECT name FROM cdp_people.names
                            UNION ALL SELECT unnest(variants) FROM cdp_people.nicknames
                            UNION ALL SELECT unnest(variants) FROM cdp_people.surname_variants
                            UNION ALL SELECT unnest(prefixes || suffixes) FROM cdp_people.rare_surnames
                            UNION ALL SELECT name FROM cdp_people.places
                            UNION ALL SELECT suburb FROM cdp_people.suburbs
                            UNION ALL SELECT 'Văn Thị') x
               WHERE cdp_people._fold(x.name) !~ '^[ -~]*$'
                  OR cdp_people._lower(cdp_people._upper(x.name)) <> cdp_people._lower(x.name)
                  OR cdp_people._lower(x.name) ~ '[A-Z]'
                  OR cdp_people._upper(x.name) ~ '[a-z]') THEN
        RAISE EXCEPTION 'cdp_people: a letter of the reference tables is missing from _fold, _lower or _upper';
    END IF;
END
$$;

-------------------------------------------------------------------------------
-- The people: who they are, in which household, and what happens to them
-- over the years.  Person n depends only on (seed, n), never on how many
-- people are generated.
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_people._persons(people integer, seed integer)
RETURNS TABLE (
    person integer, household integer, role integer, hsize integer, kind text,
    couple boolean, twin boolean, hp bigint, hh bigint, hp_head bigint, salt bigint,
    culture integer, swap_pct integer, sex text, given text, nick text[], pref_nick integer,
    middle text, by_middle boolean, alias text,
    surname text, surname_var text[], surname_dbl text,
    married text, married_var text[], married_dbl text, marriage_year integer,
    dob date, birth_year integer, head_by integer, ssid text,
    left_home boolean, leave_y integer, leave_y2 integer,
    moves integer, move1 integer, move2 integer, move3 integer, base_suburb integer,
    em_y integer, ec1 integer, ec2 integer, n_em integer, e0 text, e1 text, e2 text,
    y0 integer, nrec integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off       -- also keeps it from being inlined into callers' plans
SET work_mem = '256MB'
SET enable_nestloop = off    -- the planner cannot know how many people come
SET enable_mergejoin = off
AS $fn$
WITH a AS (     -- the household of each person
    SELECT g.person, g.salt, g.hp, l.role, l.size AS hsize, g.block0 + l.first + 1 AS household,
           cdp_people._h(cdp_people._h(g.salt, 2), g.block0 + l.first + 1) AS hh,
           cdp_people._h(cdp_people._h(g.salt, 1), g.block0 + l.first + 1) AS hp_head
    FROM (SELECT s.salt, p.p AS person,
                 cdp_people._h(cdp_people._h(s.salt, 1), p.p) AS hp,
                 (p.p - 1) / 8 * 8 AS block0,
                 cdp_people._n(cdp_people._h(cdp_people._h(s.salt, 3), (p.p - 1) / 8), 1, 100)::integer * 8
                     + (p.p - 1) % 8 AS lkey
          FROM (SELECT cdp_people._h(_persons.seed, 7301) AS salt) s
          -- 1..people, in thousands so that the planner expects many people
          CROSS JOIN LATERAL (SELECT t.t * 1000 + u.u + 1 AS p
                              FROM generate_series(0, (_persons.people - 1) / 1000) AS t(t)
                              CROSS JOIN generate_series(0, 999) AS u(u)
                              WHERE t.t * 1000 + u.u < _persons.people) p
          OFFSET 0) g
    JOIN cdp_people.layout_slots l ON l.key = g.lkey
    OFFSET 0
),
b AS (          -- couples: 65 % of two-person households, 80 % of larger ones
    SELECT a.*,
           a.hsize >= 2 AND cdp_people._n(a.hh, 2, 100) < CASE WHEN a.hsize = 2 THEN 65 ELSE 80 END
               AS couple,
           cdp_people._n(a.hh, 3, 2)::integer AS head_sex,       -- 0 man, 1 woman
           cdp_people._n(a.hh, 6, 100) < 4 AS same_sex
    FROM a
    OFFSET 0
),
c AS (          -- head born 1935-2004 (alone), -1999 (couple), -1984 (with children)
    SELECT b.*,
           CASE WHEN b.role = 0 THEN 'head' WHEN b.couple AND b.role = 1 THEN 'partner'
                ELSE 'child' END AS kind,
           b.role - CASE WHEN b.couple THEN 2 ELSE 1 END AS child_no,
           date '1935-01-01' + cdp_people._n(b.hh, 4,
               CASE WHEN b.hsize = 1 THEN 25567 WHEN b.couple AND b.hsize = 2 THEN 23741
                    ELSE 18262 END)::integer AS head_dob
    FROM b
    OFFSET 0
),
d AS (          -- partner 4 years older to 6 years younger; twins
    SELECT c.*,
           c.head_dob + (cdp_people._n(c.hh, 7, 3653) - 1461)::integer AS partner_dob,
           CASE c.kind WHEN 'head' THEN c.head_sex
                       WHEN 'partner' THEN CASE WHEN c.same_sex THEN c.head_sex ELSE 1 - c.head_sex END
                       ELSE cdp_people._n(c.hp, 10, 2)::integer END AS sex_no,
           c.kind = 'child' AND c.child_no >= 1
               AND cdp_people._n(cdp_people._h(c.hh, 24), c.child_no, 100) < 12
               AND NOT (c.child_no >= 2
                        AND cdp_people._n(cdp_people._h(c.hh, 24), c.child_no - 1, 100) < 12) AS twin
    FROM c
    OFFSET 0
),
e AS (          -- first child when the elder parent is 19-27
    SELECT d.*,
           CASE WHEN d.couple THEN least(d.head_dob, d.partner_dob) ELSE d.head_dob END
               + 6940 + cdp_people._n(d.hh, 22, 2920)::integer AS first_kid
    FROM d
    OFFSET 0
),
f AS (          -- birth, culture, marriage
    SELECT e.*,
           CASE e.kind WHEN 'head' THEN e.head_dob WHEN 'partner' THEN e.partner_dob
                ELSE e.first_kid + (e.child_no - e.twin::integer) * 700
                     + cdp_people._n(cdp_people._h(e.hh, 23), e.child_no - e.twin::integer, 400)::integer
                END AS dob,
           CASE WHEN e.kind = 'partner' AND cdp_people._n(e.hp, 11, 100) < 25 THEN pc.culture
                ELSE hc.culture END AS culture,
           hc.culture AS hculture,
           CASE WHEN e.couple THEN least(2023,
               CASE WHEN e.hsize > 2
                    THEN greatest(date_part('year', greatest(e.head_dob, e.partner_dob))::integer + 18,
                                  date_part('year', e.first_kid)::integer - cdp_people._n(e.hh, 25, 6)::integer)
                    ELSE date_part('year', greatest(e.head_dob, e.partner_dob))::integer + 20
                         + cdp_people._n(e.hh, 26, 15)::integer END) END AS marriage_year,
           date_part('year', e.head_dob)::integer AS head_by,
           CASE e.sex_no WHEN 0 THEN 'm' ELSE 'f' END AS sex,
           e.couple AND NOT e.same_sex AND e.kind <> 'child' AND e.sex_no = 1 AS is_wife,
           -- the slot of the given name; children's slots are 600-1000 apart
           -- (circularly), and no name has 600 slots: siblings of one sex
           -- never share a given name
           CASE WHEN e.kind = 'child'
                THEN ((cdp_people._n(e.hh, 16, 4000) + 800 * e.child_no + cdp_people._n(e.hp, 30, 200))
                      % 4000)::integer
                ELSE cdp_people._n(e.hp, 30, 4000)::integer END AS g_slot
    FROM e
    JOIN cdp_people.culture_slots hc ON hc.slot = cdp_people._n(e.hh, 1, 100)
    JOIN cdp_people.culture_slots pc ON pc.slot = cdp_people._n(e.hp, 12, 100)
    OFFSET 0
),
g AS (          -- names
    SELECT f.*,
           gn.name AS given1, g2.name AS given2,
           CASE WHEN cdp_people._n(f.hp, 32, 100) < 55 THEN
                CASE WHEN f.culture = 5 AND cdp_people._n(f.hp, 39, 100) < 70
                     THEN CASE f.sex WHEN 'm' THEN 'Văn' ELSE 'Thị' END
                     ELSE mn.name END END AS middle0,
           CASE WHEN f.culture IN (4, 5) AND cdp_people._n(f.hp, 34, 100) < 30 THEN al.name END AS alias,
           CASE WHEN cdp_people._n(f.hh, 11, 100) < 25
                THEN rh.prefixes[1 + cdp_people._n(f.hh, 12, cardinality(rh.prefixes))::integer]
                     || rh.suffixes[1 + cdp_people._n(f.hh, 13, cardinality(rh.suffixes))::integer]
                ELSE s1.name END AS s1,
           s2.name AS s2,
           CASE WHEN cdp_people._n(f.hp, 21, 100) < 25
                THEN rp.prefixes[1 + cdp_people._n(f.hp, 22, cardinality(rp.prefixes))::integer]
                     || rp.suffixes[1 + cdp_people._n(f.hp, 23, cardinality(rp.suffixes))::integer]
                ELSE md.name END AS maiden,
           cu.swap_pct
    FROM f
    JOIN cdp_people.name_slots gn
      ON gn.key = (f.culture * 4 + f.sex_no) * 4000 + f.g_slot
    JOIN cdp_people.name_slots g2       -- 2000 slots away: never the same name
      ON g2.key = (f.culture * 4 + f.sex_no) * 4000 + (f.g_slot + 2000) % 4000
    JOIN cdp_people.name_slots mn
      ON mn.key = (f.culture * 4 + f.sex_no) * 4000 + cdp_people._n(f.hp, 33, 4000)
    JOIN cdp_people.name_slots al
      ON al.key = (1 * 4 + f.sex_no) * 4000 + cdp_people._n(f.hp, 35, 4000)
    JOIN cdp_people.name_slots s1
      ON s1.key = (f.hculture * 4 + 2) * 4000 + cdp_people._n(f.hh, 10, 4000)
    JOIN cdp_people.name_slots s2
      ON s2.key = (f.hculture * 4 + 2) * 4000 + cdp_people._n(f.hh, 15, 4000)
    JOIN cdp_people.name_slots md
      ON md.key = (f.culture * 4 + 2) * 4000 + cdp_people._n(f.hp, 20, 4000)
    JOIN cdp_people.rare_surnames rh ON rh.culture = f.hculture
    JOIN cdp_people.rare_surnames rp ON rp.culture = f.culture
    JOIN cdp_people.cultures cu ON cu.culture = f.culture
    OFFSET 0
),
h AS (          -- double surnames: half the Spanish households, 3 % of the others
    SELECT g.*,
           CASE WHEN g.s2 = g.s1 THEN NULL
                WHEN g.hculture = 9 AND cdp_people._n(g.hh, 14, 100) < 50 THEN ' '
                WHEN g.hculture <> 9 AND cdp_people._n(g.hh, 14, 100) < 3 THEN '-' END AS hdbl,
           lag(g.given1) OVER w AS prev_given
    FROM g
    WINDOW w AS (ORDER BY g.person)
    OFFSET 0
),
i AS (          -- twins of different sexes may draw one name (Harpreet): the second
                -- takes another; a son may bear his father's name
    SELECT h.*,
           CASE WHEN h.hdbl IS NULL THEN h.s1 ELSE h.s1 || h.hdbl || h.s2 END AS sfull,
           CASE WHEN h.twin AND h.prev_given = h.given1 THEN h.given2 ELSE h.given1 END AS given,
           cdp_people._n(h.hh, 27, 100)::integer AS x_mar
    FROM h
    OFFSET 0
),
j AS (          -- a wife takes the husband's name (70 %), joins both (10 %) or keeps hers
    SELECT i.*,
           CASE WHEN i.is_wife OR (i.kind = 'partner' AND i.same_sex) THEN i.maiden ELSE i.sfull END
               AS surname,
           CASE WHEN i.is_wife OR (i.kind = 'partner' AND i.same_sex) THEN NULL ELSE i.hdbl END
               AS surname_dbl,
           CASE WHEN i.is_wife AND i.x_mar < 70 THEN i.sfull
                WHEN i.is_wife AND i.x_mar < 80 AND i.maiden <> i.sfull THEN i.maiden || '-' || i.sfull END
               AS married,
           CASE WHEN i.is_wife AND i.x_mar < 70 THEN i.hdbl
                WHEN i.is_wife AND i.x_mar < 80 AND i.maiden <> i.sfull THEN '-' END AS married_dbl,
           CASE WHEN i.middle0 = i.given1 OR i.middle0 = i.given2 THEN NULL ELSE i.middle0 END AS middle,
           date_part('year', i.dob)::integer AS birth_year,
           -- the id number: person one-to-one onto 0..999999, digits reversed
           reverse(lpad(cdp_people._bij(i.person - 1, 618033, 1000000, i.salt)::text, 6, '0'))::bigint
               AS ssid_x
    FROM i
    OFFSET 0
),
k AS (          -- nicknames, spelling variants, life events
    SELECT j.person, j.household, j.role, j.hsize, j.kind, j.couple, j.twin, j.hp, j.hh, j.hp_head,
           j.salt, j.culture, j.swap_pct, j.sex, j.given, j.middle, j.alias, j.surname, j.surname_dbl,
           j.married, j.married_dbl, j.marriage_year, j.dob, j.birth_year, j.head_by,
           nk.variants AS nick, sv.variants AS surname_var, mv.variants AS married_var,
           CASE WHEN nk.variants IS NOT NULL AND cdp_people._n(j.hp, 36, 100) < 30
                THEN cdp_people._n(j.hp, 37, 1000)::integer END AS pref_nick,
           j.middle IS NOT NULL AND cdp_people._n(j.hp, 38, 100) < 5 AS by_middle,
           cdp_people._ssid(j.ssid_x) AS ssid,
           j.kind = 'child' AND cdp_people._n(j.hp, 70, 100) < 75 AS left_home,
           j.birth_year + 18 + cdp_people._n(j.hp, 71, 10)::integer AS leave_y,
           CASE WHEN cdp_people._n(j.hp, 73, 100) < 50
                THEN j.birth_year + 21 + cdp_people._n(j.hp, 71, 10)::integer
                     + cdp_people._n(j.hp, 72, 10)::integer
                ELSE 9999 END AS leave_y2,
           CASE WHEN cdp_people._n(j.hh, 30, 100) < 35 THEN 0 WHEN cdp_people._n(j.hh, 30, 100) < 70 THEN 1
                WHEN cdp_people._n(j.hh, 30, 100) < 90 THEN 2 ELSE 3 END AS moves,
           CASE WHEN j.couple THEN j.marriage_year ELSE greatest(1985, j.head_by + 18) END AS formed,
           cdp_people._n(j.hh, 40, (SELECT count(*) FROM cdp_people.suburbs))::integer AS base_suburb,
           greatest(1997 + cdp_people._n(j.hp, 50, 14)::integer,
                    j.birth_year + 13 + cdp_people._n(j.hp, 51, 8)::integer) AS em_y,
           cdp_people._n(j.hp, 52, 100) < 88 AS em_has,
           CASE WHEN cdp_people._n(j.hp, 53, 100) < 50 THEN 1 WHEN cdp_people._n(j.hp, 53, 100) < 85 THEN 2
                ELSE 3 END AS n_em,
           least(2024, greatest(1985, CASE WHEN j.birth_year <= 2006 THEN j.birth_year + 16
                                           ELSE j.birth_year + 1 END)) AS y0,
           cdp_people._nrec(j.hp) AS nrec
    FROM j
    LEFT JOIN cdp_people.nicknames nk ON nk.name = j.given
    LEFT JOIN cdp_people.surname_variants sv ON sv.name = j.surname
    LEFT JOIN cdp_people.surname_variants mv ON mv.name = j.married
    OFFSET 0
),
l AS (          -- slugs for e-mail addresses; moves of the household 2-13 years apart
    SELECT k.*,
           k.formed + 2 + cdp_people._n(k.hh, 31, 12)::integer AS move1,
           k.formed + 4 + cdp_people._n(k.hh, 31, 12)::integer + cdp_people._n(k.hh, 32, 12)::integer AS move2,
           k.formed + 6 + cdp_people._n(k.hh, 31, 12)::integer + cdp_people._n(k.hh, 32, 12)::integer
               + cdp_people._n(k.hh, 33, 12)::integer AS move3,
           k.em_y + 2 + cdp_people._n(k.hp, 54, 12)::integer AS ec1,
           k.em_y + 4 + cdp_people._n(k.hp, 54, 12)::integer + cdp_people._n(k.hp, 55, 12)::integer AS ec2,
           cdp_people._slug(k.given) AS g_slug,
           cdp_people._slug(coalesce(k.nick[1 + coalesce(k.pref_nick, 0) % cardinality(k.nick)], k.given))
               AS k_slug,
           cdp_people._slug(k.surname) AS s_slug,
           cdp_people._slug(coalesce(k.married, k.surname)) AS m_slug,
           cdp_people._h(cdp_people._h(k.hp, 56), 0) AS eh0,
           cdp_people._h(cdp_people._h(k.hp, 56), 1) AS eh1,
           cdp_people._h(cdp_people._h(k.hp, 56), 2) AS eh2
    FROM k
    OFFSET 0
),
m AS MATERIALIZED (   -- e-mail addresses as created (the surname of that year)
    SELECT l.*,
           CASE WHEN l.em_has
                THEN cdp_people._email(l.g_slug,
                         CASE WHEN l.married IS NOT NULL AND l.em_y >= l.marriage_year THEN l.m_slug
                              ELSE l.s_slug END,
                         l.k_slug, l.birth_year, l.eh0) END AS m0,
           CASE WHEN l.em_has AND l.n_em >= 2 AND l.ec1 <= 2024
                THEN cdp_people._email(l.g_slug,
                         CASE WHEN l.married IS NOT NULL AND l.ec1 >= l.marriage_year THEN l.m_slug
                              ELSE l.s_slug END,
                         l.k_slug, l.birth_year, l.eh1) END AS m1,
           CASE WHEN l.em_has AND l.n_em >= 3 AND l.ec2 <= 2024
                THEN cdp_people._email(l.g_slug,
                         CASE WHEN l.married IS NOT NULL AND l.ec2 >= l.marriage_year THEN l.m_slug
                              ELSE l.s_slug END,
                         l.k_slug, l.birth_year, l.eh2) END AS m2
    FROM l
),
taken AS (      -- an address already taken by a person of a lower number gets '.2', ...
    SELECT m.person, x.j, x.addr,
           dense_rank() OVER (PARTITION BY x.addr ORDER BY m.person) AS rk
    FROM m
    CROSS JOIN LATERAL (VALUES (0, m.m0), (1, m.m1), (2, m.m2)) AS x(j, addr)
    WHERE x.addr IS NOT NULL
),
fix AS (
    SELECT t.person,
           max(CASE WHEN t.j = 0 THEN t.new END) AS f0,
           max(CASE WHEN t.j = 1 THEN t.new END) AS f1,
           max(CASE WHEN t.j = 2 THEN t.new END) AS f2
    FROM (SELECT taken.person, taken.j,
                 split_part(taken.addr, '@', 1) || '.' || taken.rk::text || '@'
                     || split_part(taken.addr, '@', 2)
                     AS new
          FROM taken WHERE taken.rk > 1) t
    GROUP BY t.person
)
SELECT m.person, m.household, m.role, m.hsize, m.kind, m.couple, m.twin,
       m.hp, m.hh, m.hp_head, m.salt, m.culture, m.swap_pct, m.sex, m.given, m.nick, m.pref_nick,
       m.middle, m.by_middle, m.alias,
       m.surname, m.surname_var, m.surname_dbl, m.married, m.married_var, m.married_dbl,
       m.marriage_year, m.dob, m.birth_year, m.head_by, m.ssid,
       m.left_home, m.leave_y, m.leave_y2, m.moves, m.move1, m.move2, m.move3, m.base_suburb,
       m.em_y, m.ec1, m.ec2, m.n_em,
       coalesce(fix.f0, m.m0), coalesce(fix.f1, m.m1), coalesce(fix.f2, m.m2),
       m.y0, m.nrec
FROM m
LEFT JOIN fix ON fix.person = m.person
$fn$;

-------------------------------------------------------------------------------
-- The records: each person's versions as systems recorded them, record k
-- of n in year y of [y0, 2024] (in order: record 1 is the oldest).
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_people._records(people integer, seed integer)
RETURNS TABLE (person integer, k integer, given_name text, surname text, street_number text,
               address_1 text, address_2 text, suburb text, postcode text, state text,
               date_of_birth text, soc_sec_id text, email text, phone text)
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off
SET work_mem = '256MB'
AS $fn$
WITH r1 AS (    -- the person in the year of the record
    SELECT p.person, p.household, p.kind, p.hp, p.hh, p.hp_head, p.salt, p.culture, p.swap_pct,
           p.given, p.nick, p.pref_nick, p.middle, p.by_middle, p.alias,
           p.surname, p.surname_var, p.surname_dbl, p.married, p.married_var, p.married_dbl,
           p.marriage_year, p.couple, p.dob, p.birth_year, p.head_by, p.ssid,
           p.left_home, p.leave_y, p.leave_y2, p.moves, p.move1, p.move2, p.move3, p.base_suburb,
           p.em_y, p.ec1, p.ec2, p.n_em, p.e0, p.e1, p.e2,
           v.k, cdp_people._h(cdp_people._h(p.hp, 500), v.k) AS hk,
           p.y0 + (((v.k - 1) * 1000
                    + cdp_people._n(cdp_people._h(cdp_people._h(p.hp, 500), v.k), 1, 1000)::integer)
                   * (2025 - p.y0) / (p.nrec * 1000)) AS y
    FROM cdp_people._persons(_records.people, _records.seed) p
    JOIN generate_series(1, 6) AS v(k) ON v.k <= p.nrec
    OFFSET 0
),
r2 AS (         -- name, residence, phone and e-mail of that year
    SELECT r1.person, r1.k, r1.hk, r1.salt, r1.culture, r1.swap_pct, r1.ssid, r1.base_suburb,
           CASE WHEN r1.alias IS NOT NULL AND cdp_people._n(r1.hk, 8, 100) < 40 THEN r1.alias
                WHEN r1.by_middle AND cdp_people._n(r1.hk, 11, 100) < 70 THEN r1.middle
                WHEN r1.nick IS NOT NULL
                     AND cdp_people._n(r1.hk, 9, 100) < CASE WHEN r1.pref_nick IS NULL THEN 15 ELSE 60 END
                    THEN r1.nick[1 + coalesce(r1.pref_nick, cdp_people._n(r1.hk, 10, 1000)::integer)
                                     % cardinality(r1.nick)]
                ELSE r1.given END
           || CASE WHEN r1.middle IS NOT NULL AND NOT r1.by_middle AND cdp_people._n(r1.hk, 12, 100) < 4
                   THEN ' ' || r1.middle ELSE '' END AS gm,
           CASE WHEN r1.married IS NOT NULL AND r1.y >= r1.marriage_year AND cdp_people._n(r1.hk, 2, 100) >= 8
                THEN r1.married ELSE r1.surname END AS sa,
           CASE WHEN r1.married IS NOT NULL AND r1.y >= r1.marriage_year AND cdp_people._n(r1.hk, 2, 100) >= 8
                THEN r1.married_var ELSE r1.surname_var END AS sv,
           CASE WHEN r1.married IS NOT NULL AND r1.y >= r1.marriage_year AND cdp_people._n(r1.hk, 2, 100) >= 8
                THEN r1.married_dbl ELSE r1.surname_dbl END AS sd,
           CASE WHEN r1.kind <> 'child' AND r1.couple AND r1.y < r1.marriage_year
                    THEN cdp_people._h(cdp_people._h(r1.hp, 310), 0)
                WHEN r1.left_home AND r1.y >= r1.leave_y
                    THEN cdp_people._h(cdp_people._h(r1.hp, 310), 1 + (r1.y >= r1.leave_y2)::integer)
                ELSE cdp_people._h(cdp_people._h(r1.hh, 300),
                         (r1.moves >= 1 AND r1.y >= r1.move1)::integer
                         + (r1.moves >= 2 AND r1.y >= r1.move2)::integer
                         + (r1.moves >= 3 AND r1.y >= r1.move3)::integer) END AS hres,
           NOT (r1.kind <> 'child' AND r1.couple AND r1.y < r1.marriage_year)
               AND NOT (r1.left_home AND r1.y >= r1.leave_y)
               AND NOT (r1.moves >= 1 AND r1.y >= r1.move1) AS res0,
           CASE WHEN r1.kind = 'child' AND r1.y - r1.birth_year < 16
                THEN cdp_people._phone_at(r1.salt, r1.household, r1.hp_head, r1.head_by, r1.y)
                ELSE cdp_people._phone_at(r1.salt, r1.person, r1.hp, r1.birth_year, r1.y) END AS phone9,
           CASE WHEN r1.kind = 'child' AND r1.y - r1.birth_year < 16 THEN NULL
                WHEN r1.y < r1.em_y THEN NULL
                WHEN r1.n_em >= 3 AND r1.y >= r1.ec2 THEN r1.e2
                WHEN r1.n_em >= 2 AND r1.y >= r1.ec1 THEN r1.e1
                ELSE r1.e0 END AS email0,
           to_char(r1.dob, 'YYYYMMDD') AS d8,
           cdp_people._n(r1.hk, 3, 100)::integer AS cs,
           cdp_people._n(r1.hk, 4, 100) < 50 AS fold,
           r1.culture = 8 AND cdp_people._n(r1.hk, 54, 100) < 50 AS ue,
           CASE WHEN cdp_people._n(r1.hk, 6, 100) < 60 THEN NULL ELSE '' END AS nul
    FROM r1
    OFFSET 0
),
r3 AS (         -- the address; surname variants; the given name's typos
    SELECT r2.person, r2.k, r2.hk, r2.culture, r2.swap_pct, r2.cs, r2.fold, r2.ue, r2.nul,
           CASE WHEN cdp_people._n(r2.hk, 14, 100) >= 8 THEN r2.gm
                WHEN cdp_people._n(r2.hk, 15, 100) < 15
                    THEN cdp_people._typo(cdp_people._typo(r2.gm, cdp_people._h(r2.hk, 114)),
                                          cdp_people._h(r2.hk, 115))
                ELSE cdp_people._typo(r2.gm, cdp_people._h(r2.hk, 114)) END AS g4,
           CASE WHEN r2.sv IS NOT NULL AND cdp_people._n(r2.hk, 17, 100) < 8
                    THEN r2.sv[1 + cdp_people._n(r2.hk, 18, cardinality(r2.sv))::integer]
                WHEN r2.sd IS NOT NULL AND cdp_people._n(r2.hk, 19, 100) < 25
                    THEN split_part(r2.sa, r2.sd, 1)
                WHEN r2.sd IS NOT NULL AND cdp_people._n(r2.hk, 19, 100) < 40
                    THEN substr(r2.sa, strpos(r2.sa, r2.sd) + 1)
                WHEN r2.sd IS NOT NULL AND cdp_people._n(r2.hk, 19, 100) < 50
                    THEN translate(r2.sa, ' -', '- ')
                WHEN cdp_people._n(r2.hk, 20, 100) < 20
                    THEN replace(replace(replace(r2.sa, ' ', ''), '''', ''), '-', '')
                WHEN cdp_people._n(r2.hk, 20, 100) < 30
                    THEN translate(r2.sa, '''-', '  ')
                ELSE r2.sa END AS sx,
           -- street number: 1-40 (50 %), 1-150 (35 %), 1-900 (15 %); the
           -- unit in front ('4/23') in 30 % of the records of a unit
           CASE WHEN a.a2kind IN (1, 2) AND cdp_people._n(r2.hk, 26, 100) < 30
                THEN a.unit::text || '/' ELSE '' END || a.num::text AS num3,
           CASE WHEN cdp_people._n(r2.hk, 30, 100) < 3 THEN a.num::text || ' ' ELSE '' END
           || st.name || ' '
           || CASE WHEN cdp_people._n(r2.hk, 28, 100) < 45 THEN tt.abbrev ELSE tt.name END AS a1_3,
           cdp_people._n(r2.hk, 30, 100) < 3 AS num_in_a1,
           CASE WHEN a.a2kind = 0 OR cdp_people._n(r2.hk, 31, 100) >= 55
                     OR (a.a2kind IN (1, 2) AND cdp_people._n(r2.hk, 26, 100) < 30) THEN NULL
                WHEN a.a2kind = 1 THEN
                    CASE WHEN cdp_people._n(r2.hk, 33, 100) < 60 THEN 'Unit ' || a.unit
                         WHEN cdp_people._n(r2.hk, 33, 100) < 80 THEN 'U ' || a.unit
                         WHEN cdp_people._n(r2.hk, 33, 100) < 90 THEN 'Apt ' || a.unit
                         ELSE 'Unit' || a.unit END
                WHEN a.a2kind = 2 THEN 'Flat ' || a.unit
                WHEN a.a2kind = 3 THEN 'Apartment ' || a.unit
                WHEN a.a2kind = 4 THEN 'Lot ' || (a.unit * 7)
                ELSE pl.name END AS a2_3,
           CASE WHEN cdp_people._n(r2.hk, 37, 100) < 2 THEN cdp_people._capital(sb.state)
                WHEN cdp_people._n(r2.hk, 35, 100) < 40
                    THEN replace(replace(replace(replace(replace(sb.suburb, 'Mount ', 'Mt '),
                             'St ', 'Saint '), 'North ', 'Nth '), 'South ', 'Sth '), 'Port ', 'Pt ')
                ELSE sb.suburb END AS sub3,
           CASE WHEN left(sb.postcode, 1) = '0' AND cdp_people._n(r2.hk, 40, 100) < 50
                THEN substr(sb.postcode, 2) ELSE sb.postcode END AS pc3,
           CASE WHEN cdp_people._n(r2.hk, 43, 100) < 1
                    THEN ('{NSW,VIC,QLD,WA,SA,TAS,ACT,NT}'::text[])[1 + cdp_people._n(r2.hk, 143, 8)::integer]
                WHEN cdp_people._n(r2.hk, 42, 100) < 8 THEN cdp_people._state_name(sb.state)
                ELSE sb.state END AS st3,
           CASE WHEN cdp_people._n(r2.hk, 44, 100) < 7 THEN r2.nul
                WHEN cdp_people._n(r2.hk, 45, 100) < 12 THEN cdp_people._dob_bad(r2.d8, cdp_people._h(r2.hk, 145))
                ELSE r2.d8 END AS dob3,
           CASE WHEN cdp_people._n(r2.hk, 46, 100) >= 60 THEN r2.nul
                WHEN cdp_people._n(r2.hk, 47, 100) < 5 THEN cdp_people._ssid_bad(r2.ssid, cdp_people._h(r2.hk, 147))
                ELSE r2.ssid END AS ssid3,
           CASE WHEN r2.email0 IS NULL OR cdp_people._n(r2.hk, 48, 100) >= 45 THEN r2.nul
                WHEN cdp_people._n(r2.hk, 49, 100) < 4 THEN cdp_people._typo(r2.email0, cdp_people._h(r2.hk, 149))
                ELSE r2.email0 END AS email3,
           CASE WHEN r2.phone9 IS NULL OR cdp_people._n(r2.hk, 51, 100) >= 50 THEN r2.nul
                WHEN cdp_people._n(r2.hk, 52, 100) < 4 THEN cdp_people._dtypo(r2.phone9, cdp_people._h(r2.hk, 152))
                ELSE r2.phone9 END AS phone3
    FROM r2
    -- a residence: its suburb (the household's first home is in its base
    -- suburb; later ones near it (55 %) or anywhere), street, number and
    -- unit, flat, lot or property name (30 % of residences)
    CROSS JOIN LATERAL (
        SELECT CASE WHEN cdp_people._n(r2.hres, 9, 100) < 6
                        THEN cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 3, 1000)
                    WHEN r2.res0 THEN r2.base_suburb
                    WHEN cdp_people._n(r2.hres, 1, 100) < 55
                        THEN r2.base_suburb + cdp_people._n(r2.hres, 2, 9)::integer - 4
                    ELSE cdp_people._n(r2.hres, 3, 1000) END AS sub_x,
               cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 4, 1000)::integer AS street_x,
               cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 5, 100)::integer AS type_x,
               CASE WHEN cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 6, 100) < 50
                        THEN 1 + cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 7, 40)
                    WHEN cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 6, 100) < 85
                        THEN 1 + cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 7, 150)
                    ELSE 1 + cdp_people._n(cdp_people._hsrc(r2.hres, r2.salt), 7, 900) END AS num,
               CASE WHEN cdp_people._n(r2.hres, 9, 100) < 6 THEN 1
                    WHEN cdp_people._n(r2.hres, 8, 100) < 10 THEN 1
                    WHEN cdp_people._n(r2.hres, 8, 100) < 13 THEN 2
                    WHEN cdp_people._n(r2.hres, 8, 100) < 16 THEN 3
                    WHEN cdp_people._n(r2.hres, 8, 100) < 18 THEN 4
                    WHEN cdp_people._n(r2.hres, 8, 100) < 30 THEN 5
                    ELSE 0 END AS a2kind,
               1 + cdp_people._n(r2.hres, 11, 40) AS unit,
               cdp_people._n(r2.hres, 12, 1000)::integer AS place_x
        OFFSET 0) a
    JOIN cdp_people.suburbs sb
      ON sb.n = (a.sub_x + 1000 * (SELECT count(*) FROM cdp_people.suburbs))
                % (SELECT count(*) FROM cdp_people.suburbs)
    JOIN cdp_people.streets st ON st.n = a.street_x % (SELECT count(*) FROM cdp_people.streets)
    JOIN cdp_people.street_types tt ON tt.slot = a.type_x
    JOIN cdp_people.places pl ON pl.n = a.place_x % (SELECT count(*) FROM cdp_people.places)
    OFFSET 0
),
r4 AS (         -- the other typos: surname 8 % (1.2 % two), address fields
    SELECT r3.person, r3.k, r3.hk, r3.swap_pct, r3.cs, r3.fold, r3.ue, r3.nul, r3.g4,
           CASE WHEN cdp_people._n(r3.hk, 21, 100) >= 8 THEN r3.sx
                WHEN cdp_people._n(r3.hk, 22, 100) < 15
                    THEN cdp_people._typo(cdp_people._typo(r3.sx, cdp_people._h(r3.hk, 121)),
                                          cdp_people._h(r3.hk, 122))
                ELSE cdp_people._typo(r3.sx, cdp_people._h(r3.hk, 121)) END AS s4,
           CASE WHEN cdp_people._n(r3.hk, 24, 100) < 12 OR r3.num_in_a1 THEN r3.nul
                WHEN cdp_people._n(r3.hk, 25, 100) < 5 THEN cdp_people._dtypo(r3.num3, cdp_people._h(r3.hk, 125))
                ELSE r3.num3 END AS num4,
           CASE WHEN cdp_people._n(r3.hk, 29, 100) < 7 THEN cdp_people._typo(r3.a1_3, cdp_people._h(r3.hk, 129))
                ELSE r3.a1_3 END AS a1_4,
           CASE WHEN cdp_people._n(r3.hk, 32, 100) < 5 THEN cdp_people._typo(r3.a2_3, cdp_people._h(r3.hk, 132))
                ELSE r3.a2_3 END AS a2_4,
           CASE WHEN cdp_people._n(r3.hk, 36, 100) < 7 THEN cdp_people._typo(r3.sub3, cdp_people._h(r3.hk, 136))
                ELSE r3.sub3 END AS sub4,
           CASE WHEN cdp_people._n(r3.hk, 39, 100) < 5 THEN cdp_people._dtypo(r3.pc3, cdp_people._h(r3.hk, 139))
                ELSE r3.pc3 END AS pc4,
           r3.st3, r3.dob3, r3.ssid3,
           CASE WHEN r3.email3 IS NULL OR r3.email3 = '' THEN r3.email3
                WHEN cdp_people._n(r3.hk, 50, 100) < 4 THEN upper(r3.email3 COLLATE "C")
                WHEN cdp_people._n(r3.hk, 50, 100) < 8 THEN upper(left(r3.email3, 1) COLLATE "C") || substr(r3.email3, 2)
                ELSE r3.email3 END AS email4,
           CASE WHEN r3.phone3 IS NULL OR r3.phone3 = '' THEN r3.phone3
                ELSE cdp_people._phone_fmt(r3.phone3, cdp_people._n(r3.hk, 53, 100)::integer) END AS phone4
    FROM r3
    OFFSET 0
)
-- missing values (NULL or ''), initials, the case and ASCII folding of the
-- system, given name and surname swapped, the full name in one field
SELECT r4.person, r4.k,
       CASE WHEN cdp_people._n(r4.hk, 13, 1000) < 8
                THEN cdp_people._style(r4.g4, r4.cs, r4.fold, r4.ue) || ' '
                     || cdp_people._style(r4.s4, r4.cs, r4.fold, r4.ue)
            WHEN cdp_people._n(r4.hk, 23, 100) < r4.swap_pct
                THEN CASE WHEN cdp_people._n(r4.hk, 16, 100) < 5 THEN r4.nul
                          ELSE cdp_people._style(r4.s4, r4.cs, r4.fold, r4.ue) END
            WHEN cdp_people._n(r4.hk, 5, 100) < 5 THEN r4.nul
            WHEN cdp_people._n(r4.hk, 7, 100) < 3
                THEN cdp_people._style(left(r4.g4, 1), r4.cs, r4.fold, r4.ue)
                     || CASE WHEN cdp_people._n(r4.hk, 7, 100) = 0 THEN '.' ELSE '' END
            ELSE cdp_people._style(r4.g4, r4.cs, r4.fold, r4.ue) END,
       CASE WHEN cdp_people._n(r4.hk, 13, 1000) < 8 THEN r4.nul
            WHEN cdp_people._n(r4.hk, 23, 100) < r4.swap_pct
                THEN CASE WHEN cdp_people._n(r4.hk, 5, 100) < 5 THEN r4.nul
                          ELSE cdp_people._style(r4.g4, r4.cs, r4.fold, r4.ue) END
            WHEN cdp_people._n(r4.hk, 16, 100) < 5 THEN r4.nul
            ELSE cdp_people._style(r4.s4, r4.cs, r4.fold, r4.ue) END,
       r4.num4,
       CASE WHEN cdp_people._n(r4.hk, 27, 100) < 6 THEN r4.nul
            ELSE cdp_people._style(r4.a1_4, r4.cs, r4.fold, false) END,
       coalesce(cdp_people._style(r4.a2_4, r4.cs, r4.fold, false), r4.nul),
       CASE WHEN cdp_people._n(r4.hk, 34, 100) < 6 THEN r4.nul
            ELSE cdp_people._style(r4.sub4, r4.cs, r4.fold, false) END,
       CASE WHEN cdp_people._n(r4.hk, 38, 100) < 5 THEN r4.nul ELSE r4.pc4 END,
       CASE WHEN cdp_people._n(r4.hk, 41, 100) < 10 THEN r4.nul
            ELSE cdp_people._style(r4.st3, r4.cs, r4.fold, false) END,
       r4.dob3, r4.ssid3, r4.email4, r4.phone4
FROM r4
$fn$;

ANALYZE cdp_people.cultures, cdp_people.culture_slots, cdp_people.names, cdp_people.name_slots,
        cdp_people.rare_surnames, cdp_people.nicknames, cdp_people.surname_variants,
        cdp_people.suburbs, cdp_people.streets, cdp_people.street_types, cdp_people.places,
        cdp_people.layouts, cdp_people.layout_slots;

-------------------------------------------------------------------------------
-- Public interface
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_people.records(people integer, seed integer DEFAULT 1)
RETURNS TABLE (rec_id text, person_id bigint, given_name text, surname text,
               street_number text, address_1 text, address_2 text, suburb text,
               postcode text, state text, date_of_birth text, soc_sec_id text,
               email text, phone text)
LANGUAGE sql STABLE
SET jit = off
SET work_mem = '256MB'
AS $$
SELECT 'p' || r.person || '-r' || r.k, r.person::bigint, r.given_name, r.surname,
       r.street_number, r.address_1, r.address_2, r.suburb, r.postcode, r.state,
       r.date_of_birth, r.soc_sec_id, r.email, r.phone
FROM cdp_people._records(people, seed) r
WHERE cdp_people._check(people, seed)
ORDER BY r.person, r.k
$$;
COMMENT ON FUNCTION cdp_people.records(integer, integer) IS
    'the records of persons 1..people (FEBRL columns plus email and phone); rec_id ''p<person>-r<k>''';

CREATE FUNCTION cdp_people.true_pairs(people integer, seed integer DEFAULT 1)
RETURNS TABLE (left_rec text, right_rec text)
LANGUAGE sql STABLE
SET jit = off
AS $$
SELECT 'p' || g.p || '-r' || a.k, 'p' || g.p || '-r' || b.k
FROM (SELECT cdp_people._h(seed, 7301) AS salt) s
CROSS JOIN generate_series(1, people) AS g(p)
CROSS JOIN LATERAL (SELECT cdp_people._nrec(cdp_people._h(cdp_people._h(s.salt, 1), g.p)) AS n
                    OFFSET 0) c
CROSS JOIN LATERAL generate_series(1, c.n - 1) AS a(k)
CROSS JOIN LATERAL generate_series(a.k + 1, c.n) AS b(k)
WHERE cdp_people._check(people, seed)
ORDER BY g.p, a.k, b.k
$$;
COMMENT ON FUNCTION cdp_people.true_pairs(integer, integer) IS
    'ground truth: every pair of records of the same person (left_rec < right_rec)';

CREATE FUNCTION cdp_people.persons(people integer, seed integer DEFAULT 1)
RETURNS TABLE (person_id bigint, household_id bigint, role text, twin boolean, sex text,
               culture text, given_name text, middle_name text, surname text,
               married_surname text, marriage_year integer, date_of_birth text,
               soc_sec_id text, records integer)
LANGUAGE sql STABLE
SET jit = off
AS $$
SELECT p.person::bigint, p.household::bigint, p.kind, p.twin, p.sex, c.name, p.given,
       p.middle, p.surname, p.married, CASE WHEN p.married IS NOT NULL THEN p.marriage_year END,
       to_char(p.dob, 'YYYYMMDD'), p.ssid, p.nrec
FROM cdp_people._persons(people, seed) p
JOIN cdp_people.cultures c ON c.culture = p.culture
WHERE cdp_people._check(people, seed)
ORDER BY p.person
$$;
COMMENT ON FUNCTION cdp_people.persons(integer, integer) IS
    'ground truth per person: household, role, canonical name, birth surname, married name, date of birth, id';

COMMIT;

-- Self-check (seed 1; the numbers and digests are those this file gives on
-- every machine):
--
--   SELECT count(*) FROM cdp_people.records(10000);                    -- 20377
--   SELECT n, count(*) FROM (SELECT person_id, count(*) AS n
--                            FROM cdp_people.records(10000) GROUP BY 1) x
--   GROUP BY n ORDER BY n;          -- 1 3964, 2 3766, 3 1026, 4 621, 5 419, 6 204
--   SELECT count(*) FROM cdp_people.true_pairs(10000);                 -- 17820
--   SELECT count(*) FROM cdp_people.records(10000) a                   -- 17820 too
--   JOIN cdp_people.records(10000) b ON b.person_id = a.person_id AND a.rec_id < b.rec_id;
--   SELECT md5(string_agg(r::text, E'\n' ORDER BY r.rec_id COLLATE "C"))
--   FROM cdp_people.records(2000) r;             -- 07bde99f167989073c4545cb588b75ed
--   SELECT md5(string_agg(r::text, E'\n' ORDER BY r.rec_id COLLATE "C"))
--   FROM cdp_people.records(2000) r WHERE person_id <= 1000;  -- as records(1000):
--                                                -- dd9c8464a9600b276c125a02b511c36e
